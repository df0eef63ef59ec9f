import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionModule, type SessionRequest } from '../src';
import { SESSION_MIGRATIONS, SessionEntity, TypeOrmSessionStore } from '../src/typeorm';
import { AuthController } from './auth.controller';
import { ErrorBodyFilter } from './error-body.filter';
import { SampleConfig } from './sample-config';
import { SessionAuditListener } from './session-audit.listener';
import { SessionDemoController } from './session-demo.controller';
import { SessionsController } from './sessions.controller';
import { UsersService } from './users.service';

/** The sample application, wired the way a user would wire the module. */
@Module({})
export class AppModule {
  static register(config: SampleConfig & { databaseUrl: string }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: [SessionEntity],
          migrations: SESSION_MIGRATIONS,
          migrationsRun: true,
          // TCP keepalive finds a connection whose peer vanished (a silent network) in seconds, not hours.
          extra: {
            max: config.poolSize ?? 10,
            connectionTimeoutMillis: 2000,
            keepAlive: true,
            keepAliveInitialDelayMillis: 5000,
          },
          retryAttempts: 3,
          retryDelay: 500,
        }),
        // The store class is built by Nest on the DataSource that TypeOrmModule registers.
        SessionModule.forRoot({
          secret: config.secrets,
          store: TypeOrmSessionStore,
          idleTimeout: config.idleTimeout,
          absoluteTimeout: config.absoluteTimeout,
          cleanupInterval: config.cleanupInterval,
          maxSessionBytes: config.maxSessionBytes,
          storeTimeout: config.storeTimeout,
          trustProxy: config.trustProxy,
          renewAfter: config.renewAfter,
          renewalGracePeriod: config.renewalGracePeriod,
          bind: config.bind,
          maxSessionsPerUser: config.maxSessionsPerUser,
          sessionLimitPolicy: config.sessionLimitPolicy,
          tenant: config.tenantHeader ? tenantFromHeader(config.tenantHeader) : undefined,
          cookie: { secure: config.cookieSecure },
        }),
      ],
      controllers: [AuthController, SessionDemoController, SessionsController],
      providers: [UsersService, SessionAuditListener, { provide: APP_FILTER, useClass: ErrorBodyFilter }],
    };
  }
}

/** The tenant named by a request header (a real app might use the host name instead). */
function tenantFromHeader(header: string): (request: SessionRequest) => string | undefined {
  const name = header.toLowerCase();
  return (request) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
}
