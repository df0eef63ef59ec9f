export { SessionModule } from './module/session.module';
export type {
  SessionModuleOptions,
  SessionModuleAsyncOptions,
  SessionOptionsFactory,
  SessionCookieOptions,
  SessionSameSite,
  SessionBindingOptions,
  SessionLimitPolicy,
  SessionTenantResolver,
  SessionRequest,
  SessionClearSiteDataType,
} from './module/session-module-options.interface';
export type { ResolvedSessionOptions } from './module/session-options';
export { SESSION_MODULE_OPTIONS, SESSION_ROLES_KEY } from './core/session.constants';
export { Session } from './http/session.decorator';
export type { FlashMessages } from './core/session.interface';
export type { SessionUser } from './core/session-user.interface';
export { SessionAuthGuard } from './http/session-auth.guard';
export { Roles } from './http/roles.decorator';
export { SessionInterceptor } from './http/session.interceptor';
export { SessionCleanupService, type SessionCleanupResult } from './services/session-cleanup.service';
export { createGracefulShutdown } from './http/graceful-shutdown';
export { SessionService, type SessionInfo, type SessionScope } from './services/session.service';
export { SessionEvents, SESSION_EVENT_PREFIX } from './events/session-events';
export type { SessionEvent, SessionEventType } from './events/session-event.interface';
export { SessionStore } from './store/session-store.interface';
export type {
  SessionData,
  SessionPatch,
  SessionSummary,
  SessionWriteOptions,
  StoredSession,
  UserSessionLimit,
  UserSessionsFilter,
} from './store/session-store.interface';
export { TypeOrmSessionStore, type TypeOrmSessionStoreOptions } from './typeorm/typeorm-session.store';
export { MemorySessionStore, type MemorySessionStoreOptions } from './store/memory-session.store';
export { SessionEntity } from './typeorm/session.entity';
export { SESSION_MIGRATIONS } from './typeorm/migrations/session-migrations';
export { CreateSessionsTable1732500000000 } from './typeorm/migrations/create-sessions-table.migration';
export { AddSessionHandlesAndTenants1732600000000 } from './typeorm/migrations/add-session-handles-and-tenants.migration';
export { TuneSessionsTable1732700000000 } from './typeorm/migrations/tune-sessions-table.migration';
export { AddPreviousIdHash1733000000000 } from './typeorm/migrations/add-previous-id-hash.migration';
export {
  SessionError,
  SessionConfigurationError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  SessionValueError,
  SessionDataRejectedError,
  SessionStateError,
  SessionLimitExceededError,
} from './core/session.errors';
