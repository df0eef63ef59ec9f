import type { INestApplicationContext } from '@nestjs/common';
import { absoluteExpiryOf, nextExpiryOf } from '../core/expiry';
import { RESERVED_AUTH_KEY, RESERVED_USER_KEY } from '../core/session.constants';
import { recordProof, type AuthenticationProof } from '../core/session-authentication';
import { SessionValueError } from '../core/session.errors';
import { assertJsonValue } from '../core/session-json';
import { assertUserKey } from '../core/session-keys';
import { newSessionRecord } from '../core/session-record';
import { SessionSigner } from '../core/session-signer';
import type { SessionUser } from '../core/session-user.interface';
import type { SessionData, StoredSession } from '../store/stored-session.interface';
import { appSessionContext } from './app-session-context';

/** The session {@link sessionCookieFor} stores: who is logged in and what the data holds. */
export interface TestSessionOptions<T extends object = SessionData> {
  /** The logged-in user, as `session.login(user)` records it; none by default. */
  user?: SessionUser;
  /**
   * With `user`: how and when they last proved who they are, as `login(user, proof)` records it (for
   * routes with `@RequireFresh()`). Default: a `'password'` proof made now.
   */
  authentication?: AuthenticationProof & { at?: Date };
  /** The application's data, as `session.set()` would store it; `{}` by default. */
  data?: Partial<T>;
  /** A lifetime of its own in milliseconds (remember-me, `session.setLifetime()`); the app's timeouts by default. */
  lifetime?: number;
  /** The tenant the app's `tenant` option resolves for the requests that carry the cookie; `''` (none) by default. */
  tenant?: string;
  /** The client address recorded with the session: only matters with the app's `bind.ip`. */
  ip?: string;
  /** The user agent recorded with the session: only matters with the app's `bind.userAgent`. */
  userAgent?: string;
}

/**
 * Stores a new session through the app's own store, as a login or a first write would, and returns
 * its cookie as `name=value`, ready for a `Cookie` header: a test logs in or starts from preset data
 * in one line, on `MemorySessionStore` or the app's real store. The cookie is signed with the app's
 * secret and named as the app names it. No events are published and no per-user limit is applied.
 *
 * @example
 * const cookie = await sessionCookieFor(app, { user: { id: '1', roles: ['admin'] }, data: { cart: [] } });
 * await request(app.getHttpServer()).get('/admin').set('Cookie', cookie).expect(200);
 *
 * @param app the Nest application (or `TestingModule`) whose module imports `SessionModule`
 * @throws SessionValueError when the user or the data could not be stored by a handler either
 */
export async function sessionCookieFor<T extends object = SessionData>(
  app: INestApplicationContext,
  session: TestSessionOptions<T> = {},
): Promise<string> {
  const { store, options, signer } = appSessionContext(app, 'sessionCookieFor');
  const now = Date.now();
  const tenant = session.tenant ?? '';
  const record = newSessionRecord(
    now,
    tenant,
    { ip: session.ip ?? null, userAgent: session.userAgent ?? null },
    options,
  );
  record.data = dataOf(session);
  if (session.user !== undefined) {
    record.userId = session.user.id;
  }
  if (session.lifetime !== undefined) {
    if (!Number.isFinite(session.lifetime) || session.lifetime <= 0) {
      throw new SessionValueError('lifetime', 'a session lifetime must be a positive number of milliseconds');
    }
    record.lifetime = session.lifetime;
    record.absoluteExpiresAt = absoluteExpiryOf(record, now, options);
    record.expiresAt = nextExpiryOf(record, now, options);
  }
  const id = SessionSigner.generateId();
  await store.create(SessionSigner.hashId(id, tenant), record, { now, maxBytes: options.maxSessionBytes });
  return `${options.cookie.name}=${signer.sign(id)}`;
}

/** The stored data of `session`: its keys checked as `session.set()` checks them, and the user as `login()` keeps it. */
function dataOf(session: TestSessionOptions<object>): StoredSession['data'] {
  const data: SessionData = {};
  for (const [key, value] of Object.entries(session.data ?? {})) {
    assertUserKey(key);
    assertJsonValue(key, value);
    data[key] = structuredClone(value);
  }
  const { user } = session;
  if (user !== undefined) {
    if (typeof user?.id !== 'string' || user.id === '' || !Array.isArray(user.roles)) {
      throw new SessionValueError(RESERVED_USER_KEY, 'the user needs a non-empty string `id` and a `roles` array');
    }
    assertJsonValue('user', user);
    data[RESERVED_USER_KEY] = { ...user, roles: [...user.roles] };
    data[RESERVED_AUTH_KEY] = recordProof(session.authentication, session.authentication?.at?.getTime());
  }
  return data;
}
