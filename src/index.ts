/**
 * nest-sessions: server-side sessions for NestJS. This entry loads neither TypeORM nor any other
 * store's driver: the PostgreSQL store is in `nest-sessions/typeorm`, the store conformance suite
 * in `nest-sessions/testing`.
 */
export { SessionModule } from './module/session.module';
export type {
  SessionModuleAsyncOptions,
  SessionModuleRootOptions,
  SessionOptionsFactory,
} from './module/session.module-definition';
export type {
  SessionModuleOptions,
  SessionCacheOptions,
  SessionEncryptionOptions,
  SessionLegacyCookieOptions,
  SessionCookieOptions,
  SessionSameSite,
  SessionBindingOptions,
  SessionLimitPolicy,
  SessionTenantResolver,
  SessionRequest,
  SessionClearSiteDataType,
  SessionCsrfOptions,
  SessionDbscOptions,
} from './module/session-module-options.interface';
export {
  SESSION_ROLES_KEY,
  SESSION_ROLES_MATCH_KEY,
  SESSION_PUBLIC_KEY,
  SESSION_TRANSPORT_KEY,
  SESSION_FRESH_KEY,
} from './core/session.constants';
export { Session } from './http/session.decorator';
export type { FlashMessages } from './core/session.interface';
export type { SessionUser } from './core/session-user.interface';
export { SessionAuthGuard } from './http/session-auth.guard';
export { Roles, type RolesMatch, type RolesOptions } from './http/roles.decorator';
export { Public } from './http/public.decorator';
export { RequireFresh } from './http/require-fresh.decorator';
export {
  ReauthenticationRequiredException,
  REAUTHENTICATION_REQUIRED,
} from './http/reauthentication-required.exception';
export type { AuthenticationProof, SessionAuthentication } from './core/session-authentication';
export {
  NIST_AAL2_TIMEOUTS,
  NIST_AAL3_TIMEOUTS,
  NIST_ASSURANCE_TIMEOUTS,
  type AssuranceTimeoutProfile,
  type AssuranceTimeouts,
} from './core/assurance-timeouts';
export { SessionCsrfGuard } from './csrf/session-csrf.guard';
export { SkipCsrf, SESSION_SKIP_CSRF_KEY } from './csrf/skip-csrf.decorator';
export { CsrfTokenException, type CsrfErrorCode } from './csrf/csrf-token.exception';
export { SessionTransport, type SessionTransportKind } from './http/session-transport.decorator';
export { SessionTokens } from './http/session-tokens';
export { SessionInterceptor } from './http/session.interceptor';
export { SessionCache, type SessionCacheStats } from './cache/session-cache';
export { SessionConnections } from './connections/session-connections';
export {
  SESSION_ENDED_CLOSE_CODE,
  SESSION_ENDED_REASON,
  type LiveClient,
  type SocketIoClient,
  type WsClient,
} from './connections/live-connection';
export type { SocketIoHandshake, UpgradeRequest } from './connections/handshake-request';
export { createGracefulShutdown, type GracefulShutdownOptions } from './http/graceful-shutdown';
export { SessionCleanupService, type SessionCleanupResult } from './services/session-cleanup.service';
export { SessionService, type SessionInfo, type SessionScope } from './services/session.service';
export { SessionEvents, SESSION_EVENT_PREFIX } from './events/session-events';
export type { SessionEvent, SessionEventType } from './events/session-event.interface';
export { SessionStore, type SessionStoreCallOptions, type SessionWriteOptions } from './store/session-store.interface';
export {
  hasUserIndex,
  type SessionUserIndex,
  type UserSessionLimit,
  type UserSessionsFilter,
} from './store/session-user-index.interface';
export { hasExpiry, type SessionExpiry } from './store/session-expiry.interface';
export { hasStoreCheck, type SessionStoreCheck } from './store/session-store-check.interface';
export {
  hasChanges,
  type SessionChangeListener,
  type SessionChangeSubscription,
  type SessionChanges,
} from './store/session-changes.interface';
export type { SessionData, SessionPatch, SessionSummary, StoredSession } from './store/stored-session.interface';
export { InjectSessionStore } from './store/inject-session-store.decorator';
export { MemorySessionStore, type MemorySessionStoreOptions } from './store/memory-session.store';
export { copySessions, type CopySessionsOptions, type ExportedSession } from './store/copy-sessions';
export { encryptSessionStore } from './encryption/encrypted-session-store';
export {
  SessionError,
  SessionConfigurationError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  SessionValueError,
  SessionDataRejectedError,
  SessionStateError,
  SessionLimitExceededError,
  SessionChangedError,
} from './core/session.errors';
