/** Token of the resolved, validated {@link ResolvedSessionOptions}. */
export const SESSION_MODULE_OPTIONS = 'SESSION:MODULE_OPTIONS';

/** Metadata key written by `@Roles()`. */
export const SESSION_ROLES_KEY = 'SESSION:ROLES';

/** Metadata key written by `@Session()` on the handler, so the interceptor knows to load the session. */
export const SESSION_PARAM_KEY = 'SESSION:PARAM';

/** Where the per-request session state hangs on the platform's request object. */
export const SESSION_REQUEST_KEY = Symbol.for('nest-sessions:request-state');

/** Reserved keys inside the stored data; users cannot read or write them through `get`/`set`. */
export const RESERVED_USER_KEY = '__user';
export const RESERVED_FLASH_KEY = '__flash';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Every default, in one place. Durations are milliseconds. */
export const SESSION_DEFAULTS = {
  cookieName: 'sid',
  cookiePath: '/',
  httpOnly: true,
  sameSite: 'lax',
  idleTimeout: DAY,
  absoluteTimeout: 7 * DAY,
  rolling: true,
  saveUninitialized: false,
  maxSessionBytes: 64 * 1024,
  cleanupInterval: MINUTE,
  cleanupBatchSize: 1000,
  storeTimeout: 3000,
  minSecretLength: 32,
  /** A rolling session is written again once this share of its idle timeout has passed. */
  touchAfterShare: 0.25,
} as const;
