import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { SessionCsrfGuard, SessionModule, type SessionRequest } from '../src';
import { ApiController } from './api.controller';
import { AccountSecurityController } from './account-security.controller';
import { AuthController } from './auth.controller';
import { CsrfController } from './csrf.controller';
import { ErrorBodyFilter } from './error-body.filter';
import { EventsController } from './events.controller';
import { LiveGateway } from './live.gateway';
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
          encryption: config.encryptionKeys ? { keys: config.encryptionKeys } : undefined,
          // Sockets and event streams end with their session, whichever instance ended it.
          liveConnections: true,
          freshAge: config.freshMs,
          // SESSION_DBSC=true: logins offer Device Bound Session Credentials (POST /dbsc/register, /dbsc/refresh).
          dbsc: config.dbsc ? { cookieLifetime: config.dbscCookieMs } : undefined,
        }),
      ],
      controllers: [
        AuthController,
        ApiController,
        SessionDemoController,
        SessionsController,
        PagesController,
        CsrfController,
        AccountSecurityController,
        EventsController,
      ],
      providers: [
        UsersService,
        SessionAuditListener,
        LiveGateway,
        { provide: APP_FILTER, useClass: ErrorBodyFilter },
        // SESSION_CSRF=true: every unsafe request that carries the session cookie needs its CSRF token.
        ...(config.csrf ? [{ provide: APP_GUARD, useClass: SessionCsrfGuard }] : []),
      ],
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
