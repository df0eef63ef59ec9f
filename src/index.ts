export { SessionModule } from './session.module';
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
} from './session-module-options.interface';
export type { ResolvedSessionOptions } from './session-options';
export { SESSION_MODULE_OPTIONS, SESSION_ROLES_KEY } from './session.constants';
export { Session } from './session.decorator';
export type { FlashMessages } from './session.interface';
export type { SessionUser } from './session-user.interface';
export { SessionAuthGuard } from './session-auth.guard';
export { Roles } from './roles.decorator';
export { SessionInterceptor } from './session.interceptor';
export { SessionCleanupService, type SessionCleanupResult } from './session-cleanup.service';
export { createGracefulShutdown } from './graceful-shutdown';
export { SessionService, type SessionInfo, type SessionScope } from './session.service';
export { SessionEvents, SESSION_EVENT_PREFIX } from './session-events';
export type { SessionEvent, SessionEventType } from './session-event.interface';
export { SessionStore } from './session-store.interface';
export type {
  SessionData,
  SessionPatch,
  SessionSummary,
  SessionWriteOptions,
  StoredSession,
  UserSessionLimit,
  UserSessionsFilter,
} from './session-store.interface';
export { TypeOrmSessionStore, type TypeOrmSessionStoreOptions } from './stores/typeorm-session.store';
export { MemorySessionStore, type MemorySessionStoreOptions } from './stores/memory-session.store';
export { SessionEntity } from './session.entity';
export { SESSION_MIGRATIONS } from './migrations/session-migrations';
export { CreateSessionsTable1732500000000 } from './migrations/create-sessions-table.migration';
export { AddSessionHandlesAndTenants1732600000000 } from './migrations/add-session-handles-and-tenants.migration';
export { TuneSessionsTable1732700000000 } from './migrations/tune-sessions-table.migration';
export { AddPreviousIdHash1733000000000 } from './migrations/add-previous-id-hash.migration';
export {
  SessionError,
  SessionConfigurationError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  SessionValueError,
  SessionDataRejectedError,
  SessionStateError,
  SessionLimitExceededError,
} from './session.errors';
