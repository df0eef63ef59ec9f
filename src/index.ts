export { SessionModule } from './session.module';
export type {
  SessionModuleOptions,
  SessionModuleAsyncOptions,
  SessionOptionsFactory,
  SessionCookieOptions,
  SessionSameSite,
} from './session-module-options.interface';
export type { ResolvedSessionOptions } from './session-options';
export { SESSION_MODULE_OPTIONS, SESSION_ROLES_KEY } from './session.constants';
export { Session } from './session.decorator';
export type { FlashMessages } from './session.interface';
export type { SessionUser } from './session-user.interface';
export { SessionAuthGuard } from './session-auth.guard';
export { Roles } from './roles.decorator';
export { SessionInterceptor } from './session.interceptor';
export { SessionCleanupService } from './session-cleanup.service';
export { SessionStore } from './session-store.interface';
export type { SessionData, SessionPatch, StoredSession } from './session-store.interface';
export { TypeOrmSessionStore, type TypeOrmSessionStoreOptions } from './stores/typeorm-session.store';
export { MemorySessionStore, type MemorySessionStoreOptions } from './stores/memory-session.store';
export { SessionEntity } from './session.entity';
export { CreateSessionsTable1732500000000, SESSION_MIGRATIONS } from './migrations/create-sessions-table.migration';
export {
  SessionError,
  SessionConfigurationError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  SessionValueError,
  SessionStateError,
} from './session.errors';
