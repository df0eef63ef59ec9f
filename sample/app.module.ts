import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { SessionModule, type SessionRequest } from '../src';
import { AuthController } from './auth.controller';
import { ErrorBodyFilter } from './error-body.filter';
import { PagesController } from './pages.controller';
import { SampleConfig } from './sample-config';
import { SessionAuditListener } from './session-audit.listener';
import { SessionDemoController } from './session-demo.controller';
import { SessionsController } from './sessions.controller';
import { sampleStoreOf } from './session-store';
import { UsersService } from './users.service';

/** The sample application, wired the way a user would wire the module. */
@Module({})
export class AppModule {
  static register(config: SampleConfig): DynamicModule {
    const sample = sampleStoreOf(config);
    return {
      module: AppModule,
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        ...sample.imports,
        SessionModule.forRoot({
          secret: config.secrets,
          store: sample.store,
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
          cache: config.cacheMs ? { ttl: config.cacheMs } : undefined,
        }),
      ],
      controllers: [AuthController, SessionDemoController, SessionsController, PagesController],
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
