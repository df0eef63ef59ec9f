import {
  RESERVED_AUTH_KEY,
  RESERVED_CSRF_KEY,
  RESERVED_DBSC_KEY,
  RESERVED_FLASH_KEY,
  RESERVED_USER_KEY,
} from './session.constants';
import { SessionStateError, SessionValueError } from './session.errors';
import { assertJsonValue } from './session-json';
import { assertUserKey, isReservedKey } from './session-keys';
import type { FlashMessages, Session } from './session.interface';
import type { SessionData } from '../store/stored-session.interface';
import type { SessionUser } from './session-user.interface';
import { SessionState } from './session-state';
import { deriveCsrfSecret, issueCsrfToken } from '../csrf/csrf-token';
import { storedCsrfSecret } from '../csrf/csrf-secret';
import { dbscBindingOf } from '../dbsc/dbsc-record';
import {
  recordProof,
  authenticationOf,
  type AuthenticationProof,
  type SessionAuthentication,
} from './session-authentication';

export type { SessionPersistence } from './session-state';

/**
 * The {@link Session} of one request. Changes are tracked per key and written once,
 * after the handler, as a patch: a session that was only read is never written.
 */
export class RequestSession<T extends object = SessionData> extends SessionState implements Session<T> {
  /** The logged-in user, or null. */
  get user(): SessionUser | null {
    return (this.record.data[RESERVED_USER_KEY] as SessionUser | undefined) ?? null;
  }

  /** Whether a user is logged in. */
  get isAuthenticated(): boolean {
    return this.user !== null;
  }

  /** When and how the user last proved who they are (login or reauthentication), or null. */
  get authentication(): SessionAuthentication | null {
    return this.user === null ? null : authenticationOf(this.record.data);
  }

  /** Whether a browser registered a key for this session (DBSC): it is served only with its short-lived cookie. */
  get deviceBound(): boolean {
    return dbscBindingOf(this.record.data) !== null;
  }

  get<K extends keyof T & string>(key: K): T[K] | undefined {
    this.assertUsable();
    assertUserKey(key);
    // Own keys only: `get('constructor')` must not answer with Object.prototype's members.
    const own = Object.prototype.hasOwnProperty.call(this.record.data, key);
    return (own ? this.record.data[key] : undefined) as T[K] | undefined;
  }

  /** Sets a key. Only values JSON gives back unchanged are accepted; others throw `SessionValueError`. */
  set<K extends keyof T & string>(key: K, value: T[K]): this {
    this.assertUsable();
    assertUserKey(key);
    assertJsonValue(key, value);
    this.write(key, value);
    return this;
  }

  has(key: keyof T & string): boolean {
    return !isReservedKey(key) && Object.prototype.hasOwnProperty.call(this.record.data, key);
  }

  delete(key: keyof T & string): this {
    this.assertUsable();
    assertUserKey(key);
    this.remove(key);
    return this;
  }

  /** Removes every key of the application's data (the login and flash messages stay). */
  clear(): this {
    this.assertUsable();
    this.keys().forEach((key) => this.remove(key));
    return this;
  }

  /** The application's keys. */
  keys(): Array<keyof T & string> {
    return Object.keys(this.record.data).filter((key) => !isReservedKey(key)) as Array<keyof T & string>;
  }

  /** A copy of the application's data. */
  toJSON(): Partial<T> {
    return structuredClone(Object.fromEntries(this.keys().map((key) => [key, this.record.data[key]]))) as Partial<T>;
  }

  /** Extends the session's expiry on this request even if nothing changed. */
  touch(): this {
    this.assertUsable();
    this.touched = true;
    this.flagsChangedAt = this.keyChanges.next();
    return this;
  }

  /**
   * Gives this session its own lifetime in milliseconds (remember-me), replacing the idle and
   * absolute timeouts: it lasts `lifetime` from now, server side and as a persistent cookie.
   * `null` goes back to the module's timeouts and a browser-session cookie.
   */
  setLifetime(lifetime: number | null): this {
    this.assertUsable();
    if (lifetime !== null && (!Number.isFinite(lifetime) || lifetime <= 0)) {
      throw new SessionStateError(`A session lifetime must be a positive number of milliseconds; got ${lifetime}`);
    }
    this.record.lifetime = lifetime;
    this.lifetimeChanged = true;
    this.flagsChangedAt = this.keyChanges.next();
    this.cookieDirty = true;
    return this;
  }

  /**
   * Records `user` as logged in, with `proof` as their latest proof of identity (method
   * `'password'` unless told otherwise), and gives the session a new ID (against session fixation);
   * data is kept.
   */
  login(user: SessionUser, proof?: AuthenticationProof): this {
    this.assertUsable();
    if (typeof user?.id !== 'string' || user.id === '' || !Array.isArray(user.roles)) {
      throw new SessionValueError(
        RESERVED_USER_KEY,
        'login() needs a user with a non-empty string `id` and a `roles` array',
      );
    }
    assertJsonValue('user', user);
    const auth = recordProof(proof);
    this.regenerate();
    this.write(RESERVED_USER_KEY, { ...user, roles: [...user.roles] });
    this.write(RESERVED_AUTH_KEY, auth);
    this.record.userId = user.id;
    this.userChanged = true;
    this.flagsChangedAt = this.keyChanges.next();
    this.deviceBindingOffer ??= 'login';
    return this;
  }

  /**
   * Records that the logged-in user proved who they are again (`proof`: method `'password'` unless
   * told otherwise) and gives the session a new ID, so `@RequireFresh()` routes pass again and the
   * level's timeout profile starts over. Throws `SessionStateError` without a logged-in user.
   */
  reauthenticated(proof?: AuthenticationProof): this {
    this.assertUsable();
    if (this.user === null) {
      throw new SessionStateError('reauthenticated() needs a logged-in user; use login() first');
    }
    const auth = recordProof(proof);
    this.regenerate();
    this.write(RESERVED_AUTH_KEY, auth);
    return this;
  }

  /** Forgets the logged-in user and gives the session a new ID; other data is kept. Use `destroy()` to drop it all. */
  logout(): this {
    this.assertUsable();
    this.remove(RESERVED_USER_KEY);
    this.remove(RESERVED_AUTH_KEY);
    // The device binding goes with the login: the browser's next refresh is told to end its DBSC session.
    if (Object.prototype.hasOwnProperty.call(this.record.data, RESERVED_DBSC_KEY)) {
      this.remove(RESERVED_DBSC_KEY);
    }
    this.deviceBindingOffer = null;
    this.record.userId = null;
    this.userChanged = true;
    this.flagsChangedAt = this.keyChanges.next();
    this.regenerate();
    this.ended = true;
    return this;
  }

  /** Queues a message for a later request. Any type string works, `constructor` and `__proto__` included. */
  flash(type: string, message: string): this {
    this.assertUsable();
    assertJsonValue(`flash ${type}`, message);
    const messages = this.readFlash();
    messages[type] = [...(messages[type] ?? []), message];
    this.write(RESERVED_FLASH_KEY, messages);
    return this;
  }

  /** Returns the queued messages (all of them, or of one type) and removes what it returned. */
  flashes(): FlashMessages;
  flashes(type: string): string[];
  flashes(type?: string): FlashMessages | string[] {
    this.assertUsable();
    const messages = this.readFlash();
    if (type === undefined) {
      if (Object.keys(messages).length > 0) {
        this.remove(RESERVED_FLASH_KEY);
      }
      return messages;
    }
    const taken = messages[type] ?? [];
    delete messages[type];
    if (taken.length > 0 && Object.keys(messages).length > 0) {
      this.write(RESERVED_FLASH_KEY, messages);
    } else if (taken.length > 0) {
      this.remove(RESERVED_FLASH_KEY);
    }
    return taken;
  }

  /**
   * A CSRF token for this session, masked anew on every call. The first call stores the session's
   * secret (derived from the current ID, so parallel first calls store the same one); it stays
   * through logins and new IDs, so every token issued keeps verifying until the session ends.
   */
  csrfToken(): string {
    this.assertUsable();
    let secret = storedCsrfSecret(this);
    if (secret === null) {
      secret = deriveCsrfSecret(this.id);
      this.write(RESERVED_CSRF_KEY, secret);
    }
    return issueCsrfToken(secret);
  }

  /**
   * Offers Device Bound Session Credentials registration on this response (with the `dbsc` option;
   * cookie transport only): the commit stores a one-time challenge and sends `Secure-Session-Registration`.
   * Logins offer it by themselves unless `dbsc.offerOnLogin` is false.
   */
  offerDeviceBinding(): this {
    this.assertUsable();
    this.deviceBindingOffer = 'explicit';
    return this;
  }

  /** Writes the changes to the store now instead of after the handler. */
  save(): Promise<void> {
    this.assertUsable();
    return this.persistence.save(this as RequestSession);
  }

  /** Drops unsaved changes and reads the session again from the store. */
  reload(): Promise<void> {
    this.assertUsable();
    return this.persistence.reload(this as RequestSession);
  }

  /**
   * A copy of the queued messages in an object without prototype, so every type is an own key:
   * `constructor` finds nothing inherited, and `__proto__` is stored instead of replacing the prototype.
   */
  private readFlash(): FlashMessages {
    const stored = this.record.data[RESERVED_FLASH_KEY] as FlashMessages | undefined;
    return Object.assign(Object.create(null) as FlashMessages, stored);
  }
}
