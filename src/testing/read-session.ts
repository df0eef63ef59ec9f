import type { INestApplicationContext } from '@nestjs/common';
import { RESERVED_FLASH_KEY, RESERVED_USER_KEY } from '../core/session.constants';
import { isReservedKey } from '../core/session-keys';
import { SessionSigner } from '../core/session-signer';
import { authenticationOf, type SessionAuthentication } from '../core/session-authentication';
import type { FlashMessages } from '../core/session.interface';
import type { SessionUser } from '../core/session-user.interface';
import { cookieValuesOf } from '../http/platform/cookie-values';
import type { SessionData, StoredSession } from '../store/stored-session.interface';
import { appSessionContext } from './app-session-context';

/**
 * Where {@link readSession} looks for the session cookie: a `Cookie` header or `name=value` string,
 * a `Set-Cookie` header line, an array of them (supertest's `response.get('Set-Cookie')`, fetch's
 * `headers.getSetCookie()`), or undefined (skipped).
 */
export type SessionCookieSource = string | readonly string[] | undefined;

/** What {@link readSession} found in the app's store. */
export interface StoredSessionContents<T extends object = SessionData> {
  /** The logged-in user, as `session.user` gives it; null when nobody is. */
  user: SessionUser | null;
  /** The application's data, as `session.toJSON()` gives it: no user, no flash messages. */
  data: Partial<T>;
  /** The queued flash messages, by type. */
  flashes: FlashMessages;
  /** The user's latest proof of identity, as `session.authentication` gives it; null when none is recorded. */
  authentication: SessionAuthentication | null;
  /** Everything the store holds: expiry, lifetime, tenant, client, handle. */
  stored: StoredSession;
}

/** Options of {@link readSession}. */
export interface ReadSessionOptions {
  /** The tenant the app's `tenant` option resolved when the cookie was set; `''` (none) by default. */
  tenant?: string;
}

/**
 * What the app's store holds for the session a cookie names: what a handler stored, read through
 * the app's own store by the cookie's ID hash. Null when no session cookie is found, it does not
 * verify under the app's secrets, or it names no live session (never stored, destroyed, expired).
 *
 * Several sources may be given, most recent first: the first string that holds a cookie of the
 * session's name decides. So `readSession(app, [response.get('Set-Cookie'), cookie])` reads the
 * cookie the response set when it set one (a login gives a new ID; a destroy clears it, giving
 * null) and otherwise the one the request sent.
 *
 * @example
 * const response = await request(server).post('/cart').set('Cookie', cookie).send({ item: 'apple' });
 * expect((await readSession(app, [response.get('Set-Cookie'), cookie]))?.data).toEqual({ cart: ['apple'] });
 */
export async function readSession<T extends object = SessionData>(
  app: INestApplicationContext,
  cookies: SessionCookieSource | readonly SessionCookieSource[],
  options: ReadSessionOptions = {},
): Promise<StoredSessionContents<T> | null> {
  const { store, options: resolved, signer } = appSessionContext(app, 'readSession');
  const values = sessionCookieValues(cookies, resolved.cookie.name);
  const id = values.map((value) => signer.verify(value)).find((verified) => verified !== null)?.id;
  if (id === undefined) {
    return null;
  }
  const stored = await store.get(SessionSigner.hashId(id, options.tenant ?? ''));
  if (stored === null || stored.expiresAt <= Date.now()) {
    return null;
  }
  const data = Object.fromEntries(Object.entries(stored.data).filter(([key]) => !isReservedKey(key)));
  return {
    user: (stored.data[RESERVED_USER_KEY] as SessionUser | undefined) ?? null,
    data: data as Partial<T>,
    flashes: (stored.data[RESERVED_FLASH_KEY] as FlashMessages | undefined) ?? {},
    authentication: authenticationOf(stored.data),
    stored,
  };
}

/** The values of the session cookie in the first string of `cookies` that has any. */
function sessionCookieValues(cookies: SessionCookieSource | readonly SessionCookieSource[], name: string): string[] {
  const strings = (typeof cookies === 'string' ? [cookies] : (cookies ?? [])).flat();
  for (const text of strings) {
    // A Set-Cookie line reads like a Cookie header whose first pair is the cookie: its attributes are other names.
    const values = text === undefined ? [] : cookieValuesOf(text, name);
    if (values.length > 0) {
      return values;
    }
  }
  return [];
}
