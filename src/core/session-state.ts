import { RESERVED_AUTH_KEY, RESERVED_DBSC_KEY, RESERVED_USER_KEY } from './session.constants';
import { SessionStateError } from './session.errors';
import { KeyChanges } from './key-changes';
import { SessionSigner } from './session-signer';
import type { StoredSession } from '../store/stored-session.interface';
import type { ClientInfo } from './session-record';
import type { RequestSession } from './request-session';

/** What the store holds of the fields that only a successful request may change. */
interface Baseline {
  id: string;
  userId: string | null;
  user: unknown;
  auth: unknown;
  dbsc: unknown;
  lifetime: number | null;
  absoluteExpiresAt: number;
}

/** Saves or reloads a session on demand; implemented by the session committer. */
export interface SessionPersistence {
  save(session: RequestSession): Promise<void>;
  reload(session: RequestSession): Promise<void>;
}

/**
 * What the module tracks of a request's session besides its data: its identity (ID, stored hash,
 * handle), what changed and up to which revision the store has it, the flags a commit reads, and
 * the baseline an error response falls back to. {@link RequestSession} adds the API users see.
 */
export abstract class SessionState {
  protected readonly keyChanges = new KeyChanges();
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
  /** This request asked to offer DBSC registration: by `login()` or `offerDeviceBinding()`; the commit takes it. */
  deviceBindingOffer: 'login' | 'explicit' | null = null;
  /** The session came from the store (not created by this request). */
  readonly loadedFromStore: boolean;
  /** The latest save; the next one waits for it (a request's GraphQL fields commit one session concurrently). */
  saving: Promise<void> = Promise.resolve();
  /** The revision of the latest change that is not a key's (login, logout, touch, lifetime). */
  protected flagsChangedAt = 0;
  /** What the store holds of what only a successful request may change: see {@link keepOnlyDataChanges}. */
  private baseline: Baseline;

  /**
   * @param currentId the session ID (never stored, only its hash)
   * @param storedIdHash hash under which the store holds this session, null while it is new
   * @param client who sent the current request (a login records it with the session)
   */
  constructor(
    protected currentId: string,
    public storedIdHash: string | null,
    public record: StoredSession,
    protected readonly persistence: SessionPersistence,
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

  /** The session's own lifetime in milliseconds, or null when the module's timeouts apply. */
  get lifetime(): number | null {
    return this.record.lifetime;
  }

  /** The ID is not the one the store has (regenerate(), login, logout, renewal) and is yet to be saved. */
  get idChanged(): boolean {
    return this.currentId !== this.baseline.id;
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
   * logout, reauthentication, role change, new ID, new lifetime, destroy), keeping plain data changes. An error
   * response must never carry a logged-in (or logged-out) session the handler did not finish with.
   */
  keepOnlyDataChanges(): void {
    const { id, userId, user, auth, dbsc, lifetime, absoluteExpiresAt } = this.baseline;
    this.currentId = id;
    this.renewing = false;
    this.destroyed = false;
    this.ended = false;
    this.cookieDirty = this.storedIdHash === null;
    this.userChanged = false;
    this.lifetimeChanged = false;
    this.deviceBindingOffer = null;
    Object.assign(this.record, { userId, lifetime, absoluteExpiresAt });
    this.restoreKey(RESERVED_USER_KEY, user);
    this.restoreKey(RESERVED_AUTH_KEY, auth);
    this.restoreKey(RESERVED_DBSC_KEY, dbsc);
  }

  /** Goes back to the ID the session was loaded with: a renewal that another change of ID overtook. */
  abandonRenewal(): void {
    this.currentId = this.baseline.id;
    this.renewing = false;
    this.cookieDirty = false;
  }

  private currentBaseline(): Baseline {
    const { userId, lifetime, absoluteExpiresAt, data } = this.record;
    const [user, auth, dbsc] = [data[RESERVED_USER_KEY], data[RESERVED_AUTH_KEY], data[RESERVED_DBSC_KEY]];
    return { id: this.currentId, userId, user, auth, dbsc, lifetime, absoluteExpiresAt };
  }

  /** Puts a reserved key back as the store has it, forgetting this request's change of it. */
  private restoreKey(key: string, stored: unknown): void {
    this.keyChanges.discard(key);
    if (stored === undefined) {
      delete this.record.data[key];
    } else {
      this.record.data[key] = stored;
    }
  }

  /** Writes one of the module's reserved keys (the DBSC offer's challenge); not for application data. */
  writeReserved(key: string, value: unknown): void {
    this.write(key, value);
  }

  protected write(key: string, value: unknown): void {
    this.record.data[key] = value;
    this.keyChanges.set(key, value);
  }

  protected remove(key: string): void {
    delete this.record.data[key];
    this.keyChanges.remove(key);
  }

  protected assertUsable(): void {
    if (this.destroyed) {
      throw new SessionStateError('This session was destroyed; it cannot be used any more in this request');
    }
  }
}
