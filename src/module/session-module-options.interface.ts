import type { Type } from '@nestjs/common';
import type { SessionStore } from '../store/session-store.interface';
import type { SessionTransportKind } from '../http/session-transport.decorator';
import type { AssuranceTimeouts } from '../core/assurance-timeouts';

/** `SameSite` attribute of the session cookie. */
export type SessionSameSite = 'lax' | 'strict' | 'none';

/** Options of the session cookie. */
export interface SessionCookieOptions {
  /**
   * Cookie name. Default `'__Host-sid'` when the cookie is `secure`, has path `/` and no `domain`
   * (the prefix makes browsers refuse a cookie of that name from a sibling subdomain or over
   * http); otherwise `'sid'`.
   */
  name?: string;
  /** Cookie `Path`. Default `'/'`. */
  path?: string;
  /** Cookie `Domain`. Default: none (host-only cookie). */
  domain?: string;
  /** Cookie `HttpOnly`. Default `true`. */
  httpOnly?: boolean;
  /**
   * Cookie `Secure`. Default `true`. Browsers keep `Secure` cookies on `http://localhost` and
   * `http://127.0.0.1`, so local development works; set `false` only to serve over plain http on
   * another host (never in production).
   */
  secure?: boolean;
  /** Cookie `SameSite`. Default `'lax'`. `'none'` requires `secure: true`. */
  sameSite?: SessionSameSite;
}

/** What `Clear-Site-Data` asks the browser to clear; see `clearSiteData`. */
export type SessionClearSiteDataType = 'cookies' | 'storage';

/** What happens when a user with `maxSessionsPerUser` sessions logs in again. */
export type SessionLimitPolicy = 'evict-oldest' | 'refuse';

/** Which client properties a session is bound to; see `bind`. */
export interface SessionBindingOptions {
  /** The session only works from the IP address it logged in (or was created) from. Default false. */
  ip?: boolean;
  /** The session only works with the `User-Agent` it logged in (or was created) with. Default false. */
  userAgent?: boolean;
}

/**
 * Names the tenant of a request (from its host, a header, a path prefix...). Sessions are scoped
 * by tenant: a cookie of tenant A is anonymous on tenant B. `null`/`undefined`/`''`: no tenant.
 */
export type SessionTenantResolver = (request: SessionRequest) => string | null | undefined;

/** The platform's request object (Express `Request` or Fastify `FastifyRequest`), as the resolver receives it. */
export interface SessionRequest {
  headers: Record<string, string | string[] | undefined>;
  hostname?: string;
  url?: string;
  ip?: string;
}

/** Options of `SessionModule.forRoot()`, or what `forRootAsync()`'s factory returns. */
export interface SessionModuleOptions {
  /**
   * Secret(s) that sign the session cookie, at least 32 characters each.
   * With an array the first signs and all verify, so a secret can be rotated
   * without logging anybody out.
   */
  secret: string | string[];
  /**
   * Where sessions live (required): a store, or a store class that Nest constructs with its
   * dependencies, e.g. `TypeOrmSessionStore` from `nest-sessions/typeorm` (on the app's default
   * TypeORM `DataSource`) or `MemorySessionStore` for development and tests.
   */
  store: SessionStore | Type<SessionStore>;
  /** Cookie attributes. */
  cookie?: SessionCookieOptions;
  /**
   * Sends `Clear-Site-Data` with these types on a response that logs out or destroys the session:
   * `'cookies'` makes the browser drop every cookie of the site (its registrable domain, so sibling
   * subdomains' too, including the session cookie just set for the anonymous session that follows a
   * logout), `'storage'` its localStorage, IndexedDB, service workers and caches. Thorough on
   * shared computers; heavy-handed where other apps share the domain. Default: none.
   */
  clearSiteData?: readonly SessionClearSiteDataType[];
  /** Milliseconds a session lives without activity. Default 86 400 000 (24 h). */
  idleTimeout?: number;
  /** Milliseconds a session lives from its creation, whatever the activity. Default 604 800 000 (7 days). */
  absoluteTimeout?: number;
  /**
   * Whether activity extends the idle timeout. The extension is written at most
   * once per quarter of the idle timeout, so reads stay at one query. With `false`, only a request
   * that changes the session extends it. Default `true`.
   */
  rolling?: boolean;
  /** Whether a new session that holds no data is stored and gets a cookie. Default `false`. */
  saveUninitialized?: boolean;
  /** Largest serialized session, in bytes; a bigger one is refused with 413. Default 65 536. */
  maxSessionBytes?: number;
  /** Milliseconds between two deletions of expired sessions; `0` turns the schedule off. Default 60 000. */
  cleanupInterval?: number;
  /** Rows deleted per cleanup statement, so no statement holds locks for long. Default 1000. */
  cleanupBatchSize?: number;
  /** Milliseconds a store call may take before the request fails with 503. Default 3000. */
  storeTimeout?: number;
  /**
   * Which proxies' `X-Forwarded-For` to believe, in Express's `trust proxy` vocabulary (proxy-addr):
   * `'loopback'`, `'linklocal'`, `'uniquelocal'`, IP addresses and CIDRs (a comma-separated string or
   * an array, mixed freely), a number of hops to trust counting from the socket, or a function
   * `(address, hop) => boolean` (hop 0 is the socket's peer, 1 the rightmost `X-Forwarded-For` entry).
   * The client IP is then the rightmost address that is not trusted; an entry that is not a valid
   * IP yields no address (`null`). Computed the same way on Express and Fastify, whatever their own
   * proxy settings. `true` is refused: it would let any client choose its IP.
   * Default `false`: the socket's peer address, `X-Forwarded-For` ignored.
   */
  trustProxy?: false | number | string | readonly string[] | ((address: string, hop: number) => boolean);
  /**
   * Milliseconds after which a session's ID is replaced by a new one on its next request (data
   * kept, old ID dead at once), limiting how long a stolen cookie is of use. Default: never.
   */
  renewAfter?: number;
  /**
   * Milliseconds the ID that `renewAfter` replaced still finds the session, so that requests the
   * client sent before it got the new cookie (a logout, a login, a write) act on the session
   * instead of missing it. An ID replaced by a login, logout or `regenerate()` stops working at
   * once. Default 10 000.
   */
  renewalGracePeriod?: number;
  /** Bind sessions to the client's IP and/or user agent: presented from elsewhere, a session is destroyed. */
  bind?: SessionBindingOptions;
  /** Scopes sessions by tenant; see {@link SessionTenantResolver}. Default: no tenants. */
  tenant?: SessionTenantResolver;
  /** Most sessions one user may have at once (per tenant). Default: no limit. */
  maxSessionsPerUser?: number;
  /**
   * With `maxSessionsPerUser`: `'evict-oldest'` revokes the least recently active sessions to make
   * room for a new login, `'refuse'` refuses the login (409). Default `'evict-oldest'`.
   */
  sessionLimitPolicy?: SessionLimitPolicy;
  /**
   * Keep verified sessions in this process, so a read costs no store command; see
   * {@link SessionCacheOptions}. Needs a store with a change channel (TypeORM, Redis, memory).
   * Default: off. Give it to every instance that shares the store: only instances with it announce
   * their writes to the others.
   */
  cache?: SessionCacheOptions;
  /**
   * Close live connections (WebSockets attached with `SessionConnections.attach()`, server-sent-event
   * streams ended by `endOf()`) within 2 seconds of their session's logout, revocation, expiry or
   * credential change, on whichever instance it happened (see docs/live-connections.md). Needs a
   * store with a change channel and a user index (TypeORM, Redis, memory), and must be on in every
   * instance that shares the store: only subscribed instances announce their writes. Default `false`.
   */
  liveConnections?: boolean;
  /**
   * Encrypt session values at rest (AES-256-GCM, each value bound to its key name and session); see
   * {@link SessionEncryptionOptions} and docs/encryption.md. Default: off, values stored as JSON.
   */
  encryption?: SessionEncryptionOptions;
  /**
   * Milliseconds within which the user must have proved who they are (login or
   * `session.reauthenticated()`) for a route marked `@RequireFresh()` without its own value.
   * Default 300 000 (5 min).
   */
  freshAge?: number;
  /**
   * Timeouts per assurance level (the `level` of the latest proof): a session at a listed level
   * idles out after that profile's `idleTimeout` and ends at most its `absoluteTimeout` after the
   * proof (a reauthentication starts it over), whatever the module's timeouts or a remember-me
   * lifetime say. `NIST_ASSURANCE_TIMEOUTS` holds NIST SP 800-63B-4's AAL2 and AAL3 profiles.
   * Default: none.
   */
  assuranceTimeouts?: AssuranceTimeouts;
  /**
   * Where `SessionCsrfGuard` looks for the CSRF token (`session.csrfToken()`): `{ header, field }`,
   * default header `x-csrf-token`, else the body field `_csrf`. The guard checks only where it is
   * registered (`@UseGuards` or `APP_GUARD`); `false` turns it off wherever it is (say, from
   * configuration). Default `true`. See docs/csrf.md.
   */
  csrf?: boolean | SessionCsrfOptions;
  /**
   * Check the store once as the application boots (TypeORM: its table and columns; Redis: a
   * `PING`), bounded by `storeTimeout`, and refuse to start when it fails, with a message naming
   * the fix. `false` for apps that start before their database. Default `true`.
   */
  checkStoreOnStart?: boolean;
  /**
   * Accept express-session's signed cookie (`connect.sid=s:<id>.<signature>`) from a request
   * without a valid cookie of this module: its session, copied with `exportExpressSessions`, is
   * served and given a new ID and this module's cookie, and the legacy cookie is cleared. See
   * docs/migration.md. Default: off.
   */
  legacyCookie?: SessionLegacyCookieOptions;
  /**
   * How routes without `@SessionTransport()` carry the session: `'cookie'`, `'header'`
   * (`Authorization: Bearer <token>` in, `tokenHeader` out, never a cookie) or `'both'`. See
   * docs/header-tokens.md. Default `'cookie'`.
   */
  transport?: SessionTransportKind;
  /** Response header that brings header-transport clients a new or renewed token. Default `'Session-Token'`. */
  tokenHeader?: string;
  /**
   * Device Bound Session Credentials (W3C DBSC draft): `{}` turns it on with the defaults. Browsers
   * that support it register a key after login and prove possession of it to get a short-lived
   * cookie, so a stolen session cookie alone is anonymous elsewhere. See
   * {@link SessionDbscOptions} and docs/dbsc.md. Default: off.
   */
  dbsc?: SessionDbscOptions;
}

/**
 * Device Bound Session Credentials. The module answers the registration and refresh endpoints
 * itself (POST, on Express and Fastify, outside the global prefix, guards and interceptors), offers
 * registration on login responses, and refuses a bound session presented without its short-lived
 * cookie. Durations are milliseconds.
 */
export interface SessionDbscOptions {
  /**
   * Lifetime of the short-lived device-bound cookie. Chrome refreshes at most about twice per
   * 5 minutes, so keep it at 300 000 or more in production. Default 600 000 (10 min).
   */
  cookieLifetime?: number;
  /**
   * Name of the short-lived cookie. Default `'__Host-sidb'` when the session cookie is
   * `__Host-`-prefixed, else `'sidb'`. It has the session cookie's Path, Secure, HttpOnly and
   * SameSite, never a Domain.
   */
  cookieName?: string;
  /** Path of the registration endpoint (exact, not under the global prefix). Default `'/dbsc/register'`. */
  registrationPath?: string;
  /** Path of the refresh endpoint (exact, not under the global prefix). Default `'/dbsc/refresh'`. */
  refreshPath?: string;
  /** How long a challenge may be answered; each is good for one proof. Default 60 000 (1 min). */
  challengeLifetime?: number;
  /**
   * Offer registration (`Secure-Session-Registration`) on the response of every login
   * (`session.login()`) made over the cookie transport. `session.offerDeviceBinding()` offers it on
   * any response. Default `true`.
   */
  offerOnLogin?: boolean;
  /**
   * Serve a bound session presented without a valid short-lived cookie anyway (a browser that lost
   * its binding keeps working, and so does a stolen session cookie). Default `false`: such a request
   * is anonymous, and the event `rejected` (reason `device`) is published.
   */
  allowUnbound?: boolean;
}

/** express-session's cookie, as `legacyCookie` reads it: give what the express-session app set. */
export interface SessionLegacyCookieOptions {
  /** express-session's `name`. Default `'connect.sid'`. */
  name?: string;
  /** express-session's `secret` (a string, or an array whose every item verifies). Default: this module's `secret`. */
  secret?: string | string[];
  /** express-session's `cookie.path`, so the legacy cookie can be cleared. Default `'/'`. */
  path?: string;
  /** express-session's `cookie.domain`, so the legacy cookie can be cleared. Default: none. */
  domain?: string;
}

/**
 * The in-process session cache. Every change to a session (write, logout, revocation, renewal) is
 * announced on the store's change channel (PostgreSQL `LISTEN/NOTIFY`, Redis pub/sub) and drops the
 * copies every instance holds; while an instance cannot hear the channel, its cache is emptied and
 * bypassed. A write based on a cached copy is applied only if the session did not change meanwhile.
 */
export interface SessionCacheOptions {
  /**
   * Most milliseconds a cached session serves requests without asking the store: the bound on how
   * late a change reaches this instance should its announcement be lost.
   */
  ttl: number;
  /** Most sessions kept; the least recently used go first. Default 10 000. */
  maxEntries?: number;
}

/**
 * Encryption at rest of session values. The metadata (user ID, times, IP, user agent) stays in
 * plaintext: the stores index it.
 */
export interface SessionEncryptionOptions {
  /**
   * AES-256 keys: base64 strings of 32 bytes (`openssl rand -base64 32`) or 32-byte Buffers. The
   * first encrypts, every one decrypts: to rotate, put a new key first and keep the old ones until
   * the sessions written under them have been written again or have expired.
   */
  keys: ReadonlyArray<string | Buffer>;
  /**
   * Accept values stored in plaintext (sessions from before encryption was turned on), each
   * encrypted on its session's next write. Only for the migration window: while it is on, whoever
   * can write to the store can plant plaintext values. Default `false`: such a session is not found.
   */
  allowPlaintext?: boolean;
}

/** Where `SessionCsrfGuard` reads the CSRF token; see `csrf`. */
export interface SessionCsrfOptions {
  /** Request header carrying the token. Default `'x-csrf-token'`. */
  header?: string;
  /** Field of a parsed body (form or JSON) read when the header is absent. Default `'_csrf'`. */
  field?: string;
}
