/** Token of the resolved, validated {@link ResolvedSessionOptions}. */
export const SESSION_MODULE_OPTIONS = 'SESSION:MODULE_OPTIONS';

/** Metadata key written by `@Roles()`: the role names. */
export const SESSION_ROLES_KEY = 'SESSION:ROLES';

/** Metadata key written by `@Roles()` beside the names: whether the user needs `'any'` or `'all'` of them. */
export const SESSION_ROLES_MATCH_KEY = 'SESSION:ROLES_MATCH';

/** Metadata key written by `@Public()`: `SessionAuthGuard` lets the request through without a login. */
export const SESSION_PUBLIC_KEY = 'SESSION:PUBLIC';

/** Metadata key written by `@Session()` on the handler, so the interceptor knows to load the session. */
export const SESSION_PARAM_KEY = 'SESSION:PARAM';

/**
 * Metadata key written by `@SessionTransport()` on a handler or controller: how its requests carry
 * the session (`'cookie'`, `'header'` or `'both'`); the module's `transport` option otherwise.
 */
export const SESSION_TRANSPORT_KEY = 'SESSION:TRANSPORT';

/** Metadata key written by `@RequireFresh()`: the most milliseconds since the user's last proof of identity. */
export const SESSION_FRESH_KEY = 'SESSION:FRESH';

/** Where the per-request session state hangs on the platform's request object. */
export const SESSION_REQUEST_KEY = Symbol.for('nest-sessions:request-state');

/** Reserved keys inside the stored data; users cannot read or write them through `get`/`set`. */
export const RESERVED_USER_KEY = '__user';
export const RESERVED_FLASH_KEY = '__flash';
/** Reserved key holding the session's CSRF secret (`session.csrfToken()`); it never leaves the server. */
export const RESERVED_CSRF_KEY = '__csrf';
/** Reserved key holding the latest proof of identity (time, method, level): see `session.authentication`. */
export const RESERVED_AUTH_KEY = '__auth';
/** Reserved key holding the session's Device Bound Session Credentials state (binding, pending challenges): see `dbsc`. */
export const RESERVED_DBSC_KEY = '__dbsc';

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
  /** The cookie is `Secure` unless the app says otherwise (browsers keep it on http://localhost too). */
  cookieSecure: true,
  /** Prefix of the default cookie name where the cookie qualifies (Secure, Path=/, no Domain). */
  hostCookiePrefix: '__Host-',
  /** Types of data `Clear-Site-Data` asks the browser to clear on logout and destroy: none. */
  clearSiteData: [] as readonly ('cookies' | 'storage')[],
  /**
   * A store write must be applied within this share of `storeTimeout` of being sent, or not at all:
   * the rest covers its commit and the answer's way back before the app gives up.
   */
  writeDeadlineShare: 0.75,
  /**
   * How long a session's previous ID still finds it after `renewAfter` replaced it: requests the
   * client sent before it got the new cookie (a logout, a login) then act on the session instead of
   * missing it. An ID replaced by a login, logout or regenerate() stops working at once.
   */
  renewalGracePeriod: 10_000,
  /** A rolling session is written again once this share of its idle timeout has passed. */
  touchAfterShare: 0.25,
  /**
   * Most objects and arrays nested inside one another in one session value (`session.set()`).
   * Real session data is a few levels deep; at 64, everything that walks a value recursively
   * (structuredClone, JSON.stringify, the store's JSON parser, the app's own code) stays far from its
   * stack limit, where 5,000 levels overflowed.
   */
  maxValueDepth: 64,
  /** Most sessions the cache (`cache` option) keeps. */
  cacheMaxEntries: 10_000,
  /** Request header `SessionCsrfGuard` reads the CSRF token from. */
  csrfHeader: 'x-csrf-token',
  /** Field of a parsed body `SessionCsrfGuard` reads the CSRF token from when the header is absent. */
  csrfField: '_csrf',
  /** How routes without `@SessionTransport()` carry the session. */
  transport: 'cookie',
  /** Response header that brings header-transport clients a new or renewed token. */
  tokenHeader: 'Session-Token',
  /** How recent the last proof of identity must be for `@RequireFresh()` without an argument: 5 minutes. */
  freshAge: 5 * MINUTE,
  /** `dbsc.cookieLifetime`: 10 minutes (Chrome refreshes at most about twice per 5 minutes). */
  dbscCookieLifetime: 10 * MINUTE,
  /** `dbsc.cookieName` when the session cookie has no `__Host-` prefix (with it: `__Host-sidb`). */
  dbscCookieName: 'sidb',
  dbscRegistrationPath: '/dbsc/register',
  dbscRefreshPath: '/dbsc/refresh',
  /** `dbsc.challengeLifetime`: how long a DBSC challenge may be answered. */
  dbscChallengeLifetime: MINUTE,
  dbscOfferOnLogin: true,
  dbscAllowUnbound: false,
  /** Most pending DBSC challenges a session keeps; the oldest go first. */
  dbscMaxChallenges: 4,
  /** Largest DBSC proof (JWT) read, in characters: a 4096-bit RSA key in the header stays well under it. */
  dbscMaxProofLength: 8192,
  /** Fenced DBSC writes tried again on a fresh copy after a parallel write overtook them. */
  dbscWriteAttempts: 3,
} as const;
