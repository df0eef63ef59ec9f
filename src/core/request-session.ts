import { RESERVED_FLASH_KEY, RESERVED_USER_KEY } from './session.constants';
import { SessionStateError, SessionValueError } from './session.errors';
import { assertJsonValue } from './session-json';
import { KeyChanges } from './key-changes';
import { assertUserKey, isReservedKey } from './session-keys';
import { SessionSigner } from './session-signer';
import type { FlashMessages, Session } from './session.interface';
import type { SessionData, StoredSession } from '../store/stored-session.interface';
import type { SessionUser } from './session-user.interface';
import type { ClientInfo } from './session-record';

/** What the store holds of the fields that only a successful request may change. */
interface Baseline {
  id: string;
  userId: string | null;
  user: unknown;
  lifetime: number | null;
  absoluteExpiresAt: number;
}

/** Saves or reloads a session on demand; implemented by the session manager. */
export interface SessionPersistence {
  save(session: RequestSession): Promise<void>;
  reload(session: RequestSession): Promise<void>;
}

/**
 * The {@link Session} of one request. Changes are tracked per key and written once,
 * after the handler, as a patch: a session that was only read is never written.
 */
export class RequestSession<T extends object = SessionData> implements Session<T> {
  private readonly keyChanges = new KeyChanges();
  destroyed = false;
  touched = false;
  lifetimeChanged = false;
  userChanged = false;
  /** The cookie must be (re)sent: new session, new ID or new lifetime. */
  cookieDirty = false;
  /** The ID is being replaced because of `renewAfter`, not by the application. */
  renewing = false;
  /** This request logged the user out or destroyed the session (`Clear-Site-Data` may follow). */
  ended = false;
  /** The session came from the store (not created by this request). */
  readonly loadedFromStore: boolean;
  /** The latest save; the next one waits for it (a request's GraphQL fields commit one session concurrently). */
  saving: Promise<void> = Promise.resolve();
  /** The revision of the latest change that is not a key's (login, logout, touch, lifetime). */
  private flagsChangedAt = 0;
  /** What the store holds of what only a successful request may change: see {@link keepOnlyDataChanges}. */
  private baseline: Baseline;

  /**
   * @param currentId the session ID (never stored, only its hash)
   * @param storedIdHash hash under which the store holds this session, null while it is new
   * @param client who sent the current request (a login records it with the session)
   */
  constructor(
    private currentId: string,
    public storedIdHash: string | null,
    public record: StoredSession,
    private readonly persistence: SessionPersistence,
    readonly client: ClientInfo = { ip: null, userAgent: null },
  ) {
    this.loadedFromStore = storedIdHash !== null;
    this.baseline = this.currentBaseline();
  }

  /** The session ID. Secret: it is what the cookie carries. */
  get id(): string {
    return this.currentId;
  }

  /** Opaque handle naming this session in listings; safe to show, useless as a cookie. */
  get handle(): string {
    return this.record.handle;
  }

  /** The tenant this session belongs to; `''` without multi-tenancy. */
  get tenant(): string {
    return this.record.tenant;
  }

  /** True until the session is first stored. */
  get isNew(): boolean {
    return this.storedIdHash === null;
  }

  /** When the session was created. */
  get createdAt(): Date {
    return new Date(this.record.createdAt);
  }

  /** When the session expires if nothing extends it. */
  get expiresAt(): Date {
    return new Date(this.record.expiresAt);
  }

  /** The logged-in user, or null. */
  get user(): SessionUser | null {
    return (this.record.data[RESERVED_USER_KEY] as SessionUser | undefined) ?? null;
  }

  /** Whether a user is logged in. */
  get isAuthenticated(): boolean {
    return this.user !== null;
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

  /** Gives the session a new ID, keeping its data; the old ID stops working when the request commits. */
  regenerate(): this {
    this.assertUsable();
    this.currentId = SessionSigner.generateId();
    this.cookieDirty = true;
    this.renewing = false;
    return this;
  }

  /** Deletes the session from the store when the request commits and clears the cookie. */
  destroy(): void {
    this.destroyed = true;
    this.ended = true;
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

  /** The session's own lifetime in milliseconds, or null when the module's timeouts apply. */
  get lifetime(): number | null {
    return this.record.lifetime;
  }

  /** Records `user` as logged in and gives the session a new ID (against session fixation); data is kept. */
  login(user: SessionUser): this {
    this.assertUsable();
    if (typeof user?.id !== 'string' || user.id === '' || !Array.isArray(user.roles)) {
      throw new SessionValueError(
        RESERVED_USER_KEY,
        'login() needs a user with a non-empty string `id` and a `roles` array',
      );
    }
    assertJsonValue('user', user);
    this.regenerate();
    this.write(RESERVED_USER_KEY, { ...user, roles: [...user.roles] });
    this.record.userId = user.id;
    this.userChanged = true;
    this.flagsChangedAt = this.keyChanges.next();
    return this;
  }

  /** Forgets the logged-in user and gives the session a new ID; other data is kept. Use `destroy()` to drop it all. */
  logout(): this {
    this.assertUsable();
    this.remove(RESERVED_USER_KEY);
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

  /** Keys written by this request and not yet saved, with their values. */
  get changed(): ReadonlyMap<string, unknown> {
    return this.keyChanges.changed;
  }

  /** Keys removed by this request and not yet saved. */
  get removed(): ReadonlySet<string> {
    return this.keyChanges.removed;
  }

  /** True when there are changes the store has not seen yet. */
  get hasChanges(): boolean {
    return this.keyChanges.size > 0 || this.lifetimeChanged || this.userChanged;
  }

  /** Marks how far the changes go now: a save passes it to `markSaved` once the store has what it sent. */
  get revision(): number {
    return this.keyChanges.revision;
  }

  /**
   * Forgets tracked changes once the store has them: all of them, or those made up to `writtenUpTo`
   * (a {@link revision}), so changes made while that save was in flight are left for the next save.
   */
  markSaved(storedIdHash: string | null, writtenUpTo = Infinity): void {
    this.storedIdHash = storedIdHash;
    this.renewing = false;
    this.baseline = this.currentBaseline();
    this.keyChanges.forgetUpTo(writtenUpTo);
    if (this.flagsChangedAt <= writtenUpTo) {
      this.touched = false;
      this.lifetimeChanged = false;
      this.userChanged = false;
    }
  }

  /**
   * After the handler threw: drops every change only a successful request may make (a login,
   * logout, role change, new ID, new lifetime, destroy), keeping plain data changes. An error
   * response must never carry a logged-in (or logged-out) session the handler did not finish with.
   */
  keepOnlyDataChanges(): void {
    const { id, userId, user, lifetime, absoluteExpiresAt } = this.baseline;
    this.currentId = id;
    this.renewing = false;
    this.destroyed = false;
    this.ended = false;
    this.cookieDirty = this.storedIdHash === null;
    this.userChanged = false;
    this.lifetimeChanged = false;
    Object.assign(this.record, { userId, lifetime, absoluteExpiresAt });
    this.keyChanges.discard(RESERVED_USER_KEY);
    if (user === undefined) {
      delete this.record.data[RESERVED_USER_KEY];
    } else {
      this.record.data[RESERVED_USER_KEY] = user;
    }
  }

  /** Goes back to the ID the session was loaded with: a renewal that another change of ID overtook. */
  abandonRenewal(): void {
    this.currentId = this.baseline.id;
    this.renewing = false;
    this.cookieDirty = false;
  }

  private currentBaseline(): Baseline {
    const { userId, lifetime, absoluteExpiresAt, data } = this.record;
    return { id: this.currentId, userId, user: data[RESERVED_USER_KEY], lifetime, absoluteExpiresAt };
  }

  /**
   * A copy of the queued messages in an object without prototype, so every type is an own key:
   * `constructor` finds nothing inherited, and `__proto__` is stored instead of replacing the prototype.
   */
  private readFlash(): FlashMessages {
    const stored = this.record.data[RESERVED_FLASH_KEY] as FlashMessages | undefined;
    return Object.assign(Object.create(null) as FlashMessages, stored);
  }

  private write(key: string, value: unknown): void {
    this.record.data[key] = value;
    this.keyChanges.set(key, value);
  }

  private remove(key: string): void {
    delete this.record.data[key];
    this.keyChanges.remove(key);
  }

  private assertUsable(): void {
    if (this.destroyed) {
      throw new SessionStateError('This session was destroyed; it cannot be used any more in this request');
    }
  }
}
