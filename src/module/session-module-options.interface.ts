import type { Type } from '@nestjs/common';
import type { SessionStore } from '../store/session-store.interface';

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
