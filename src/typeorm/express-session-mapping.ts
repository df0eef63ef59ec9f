import { RESERVED_FLASH_KEY, RESERVED_USER_KEY, SESSION_DEFAULTS } from '../core/session.constants';
import { SessionValueError } from '../core/session.errors';
import { SessionSigner } from '../core/session-signer';
import type { SessionUser } from '../core/session-user.interface';
import type { ExportedSession } from '../store/copy-sessions';
import type { SessionData } from '../store/stored-session.interface';

/** express-session's `req.session` as connect-pg-simple stores it in `sess`: the app's keys and the cookie. */
export interface ExpressSessionData {
  /** What express-session keeps of the cookie: `expires` (ISO date) and `originalMaxAge` (ms) are null for a browser-session cookie. */
  cookie?: { expires?: string | null; originalMaxAge?: number | null; [attribute: string]: unknown };
  [key: string]: unknown;
}

/** How express-session's sessions become ours; see `exportExpressSessions`. */
export interface ExpressSessionMapping {
  /**
   * The logged-in user of a session, or null. With passport, `sess.passport?.user` holds what
   * `serializeUser` returned (often the user's ID): look the user's roles up from it. Default: none,
   * every session is copied anonymous.
   */
  mapUser?: (sess: ExpressSessionData) => SessionUser | null | Promise<SessionUser | null>;
  /** The data of a session. Default: `sess` without `cookie` (passport's `passport` key stays, as plain data). */
  mapData?: (sess: ExpressSessionData) => SessionData;
  /** The tenant the sessions belong to, as the module's `tenant` names it. Default: none. */
  tenant?: string;
  /** This module's `idleTimeout` in milliseconds, which caps a browser-session cookie's expiry. Default 86 400 000 (24 h). */
  idleTimeout?: number;
  /** This module's `absoluteTimeout` in milliseconds, counted from the copy for a browser-session cookie. Default 604 800 000 (7 days). */
  absoluteTimeout?: number;
}

/** One row of connect-pg-simple's `session` table: `expire` in epoch milliseconds. */
export interface ExpressSessionRow {
  sid: string;
  sess: ExpressSessionData;
  expire: number;
}

/**
 * Our stored session for a connect-pg-simple row, found by the hash of its express-session ID.
 * A persistent cookie (`cookie.originalMaxAge` set) becomes a session with that lifetime (as
 * `setLifetime`), ending when the row does; a browser-session cookie gets the module's timeouts
 * from `now`, never outliving the row. Creation and activity are `now`: the row does not know them.
 */
export async function toExportedSession(
  row: ExpressSessionRow,
  mapping: ExpressSessionMapping,
  now: number,
): Promise<ExportedSession> {
  const { tenant = '', idleTimeout = SESSION_DEFAULTS.idleTimeout } = mapping;
  const { absoluteTimeout = SESSION_DEFAULTS.absoluteTimeout } = mapping;
  const maxAge = row.sess.cookie?.originalMaxAge;
  const lifetime = typeof maxAge === 'number' && maxAge > 0 ? maxAge : null;
  const absoluteExpiresAt = lifetime === null ? now + absoluteTimeout : row.expire;
  const data = { ...(mapping.mapData ?? withoutCookie)(row.sess) };
  delete data[RESERVED_USER_KEY];
  delete data[RESERVED_FLASH_KEY];
  const user = (await mapping.mapUser?.(row.sess)) ?? null;
  if (user !== null) {
    if (typeof user.id !== 'string' || user.id === '' || !Array.isArray(user.roles)) {
      throw new SessionValueError(
        RESERVED_USER_KEY,
        'mapUser() must return a user with a non-empty string `id` and a `roles` array, or null',
      );
    }
    data[RESERVED_USER_KEY] = { ...user, roles: [...user.roles] };
  }
  return {
    idHash: SessionSigner.hashId(row.sid, tenant),
    session: {
      handle: SessionSigner.generateHandle(),
      tenant,
      data,
      createdAt: now,
      lastActiveAt: now,
      idIssuedAt: now,
      expiresAt: Math.min(row.expire, absoluteExpiresAt, lifetime === null ? now + idleTimeout : Infinity),
      absoluteExpiresAt,
      lifetime,
      userId: user?.id ?? null,
      ip: null,
      userAgent: null,
    },
  };
}

function withoutCookie(sess: ExpressSessionData): SessionData {
  const { cookie: _cookie, ...data } = sess;
  return data;
}
