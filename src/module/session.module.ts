import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { SessionCache } from '../cache/session-cache';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionDebugLog } from '../events/session-debug-log';
import { SessionEventPublisher } from '../events/session-event-publisher';
import { SessionEvents } from '../events/session-events';
import { SessionAuthGuard } from '../http/session-auth.guard';
import { SessionCsrfGuard } from '../csrf/session-csrf.guard';
import { SessionCookies } from '../http/session-cookies';
import { SessionTokens } from '../http/session-tokens';
import { SessionInterceptor } from '../http/session.interceptor';
import { NestSessionDecoratorCheck } from '../http/nest-session-decorator-check';
import { SessionChangeFeed } from '../connections/session-change-feed';
import { SessionConnections } from '../connections/session-connections';
import { SessionCommitter } from '../lifecycle/session-committer';
import { SessionLimits } from '../lifecycle/session-limits';
import { SessionLoader } from '../lifecycle/session-loader';
import { SessionWriter } from '../lifecycle/session-writer';
import { SessionCleanupService } from '../services/session-cleanup.service';
import { DbscEndpoints } from '../dbsc/dbsc-endpoints';
import { DbscRoutes } from '../dbsc/dbsc-routes';
import { DbscSessionWrites } from '../dbsc/dbsc-session-writes';
import { SessionService } from '../services/session.service';
import { BoundedStore } from '../store/bounded-store';
import { SessionStore } from '../store/session-store.interface';
import { SessionStoreHealth } from '../store/session-store-health';
import { resolveSessionOptions } from './session-options';
import { sessionStoreProvider } from './session-store.provider';
import { SessionStoreStartupCheck } from './session-store-startup-check';
import {
  ConfigurableSessionModule,
  SESSION_RAW_OPTIONS,
  type SessionModuleAsyncOptions,
  type SessionModuleRootOptions,
} from './session.module-definition';

/**
 * Server-side sessions. Import once, in the root module:
 * `SessionModule.forRoot({ secret, store: TypeOrmSessionStore })` or `forRootAsync({ ... })`.
 * Global by default (`isGlobal`): `@Session()`, `SessionAuthGuard` and the services work in every
 * module. No interceptor is registered for the whole app: `@Session()` binds it to the handlers
 * that take the session, and `SessionAuthGuard` saves the session of the routes it guards.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: SESSION_MODULE_OPTIONS, useFactory: resolveSessionOptions, inject: [SESSION_RAW_OPTIONS] },
    sessionStoreProvider,
    SessionStoreHealth,
    SessionStoreStartupCheck,
    BoundedStore,
    SessionCache,
    SessionConnections,
    SessionChangeFeed,
    SessionEventPublisher,
    SessionEvents,
    SessionDebugLog,
    SessionCookies,
    SessionTokens,
    SessionWriter,
    SessionLimits,
    SessionCommitter,
    SessionLoader,
    SessionService,
    SessionCleanupService,
    SessionAuthGuard,
    SessionCsrfGuard,
    SessionInterceptor,
    NestSessionDecoratorCheck,
    DbscSessionWrites,
    DbscEndpoints,
    DbscRoutes,
  ],
  exports: [
    SessionStore,
    SessionEvents,
    SessionService,
    SessionTokens,
    SessionCleanupService,
    SessionAuthGuard,
    SessionCsrfGuard,
    SessionInterceptor,
    SessionLoader,
    SessionCommitter,
    SessionCache,
    SessionConnections,
    // For SessionCsrfGuard, which apps register as APP_GUARD in their own module.
    SessionCookies,
    SESSION_MODULE_OPTIONS,
    // For nest-sessions/terminus's health indicator, which probes the store the way requests do.
    BoundedStore,
  ],
})
export class SessionModule extends ConfigurableSessionModule {
  /**
   * Sessions with the options given: `secret` and `store` are required, the rest has defaults
   * (see the options table in the README). The options are validated when the app starts; a bad
   * value stops it with a `SessionConfigurationError` that says what to change.
   *
   * ```ts
   * SessionModule.forRoot({ secret: process.env.SESSION_SECRET!.split(','), store: TypeOrmSessionStore })
   * ```
   */
  static forRoot(options: SessionModuleRootOptions): DynamicModule {
    return super.forRoot(options);
  }

  /**
   * Sessions with options made by a provider: `useFactory` (with `imports` and `inject`),
   * `useClass` or `useExisting` (a class implementing `SessionOptionsFactory`); also `isGlobal` and
   * `extraProviders`.
   *
   * ```ts
   * SessionModule.forRootAsync({
   *   inject: [ConfigService, DataSource],
   *   useFactory: (config: ConfigService, dataSource: DataSource) => ({
   *     secret: config.getOrThrow<string>('SESSION_SECRET').split(','),
   *     store: new TypeOrmSessionStore(dataSource),
   *   }),
   * })
   * ```
   */
  static forRootAsync(options: SessionModuleAsyncOptions): DynamicModule {
    return super.forRootAsync(options);
  }
}
