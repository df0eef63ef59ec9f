import type { SessionData } from '../store/stored-session.interface';
import type { SessionUser } from './session-user.interface';
import type { AuthenticationProof, SessionAuthentication } from './session-authentication';

/** Flash messages by type. */
export type FlashMessages = Record<string, string[]>;

/**
 * The session of the current request, injected with `@Session()`.
 * `T` types its keys and values: `@Session() session: Session<{ cart: string[] }>`.
 *
 * Reads come from one store query per request at most; changes are written once,
 * after the handler, as a per-key patch, and only if there are any.
 */
export interface Session<T extends object = SessionData> {
  /** The session ID. Secret: it is what the cookie carries. */
  readonly id: string;
  /** Opaque handle naming this session in listings (`SessionService`); safe to show, useless as a cookie. */
  readonly handle: string;
  /** The tenant this session belongs to; `''` without multi-tenancy. */
  readonly tenant: string;
  /** True until the session is first stored. */
  readonly isNew: boolean;
  readonly createdAt: Date;
  /** When the session expires unless activity extends it. */
  readonly expiresAt: Date;
  /** The logged-in user, or null. */
  readonly user: SessionUser | null;
  readonly isAuthenticated: boolean;
  /** When and how the user last proved who they are (login or `reauthenticated()`), or null. */
  readonly authentication: SessionAuthentication | null;
  /** The session's own lifetime in milliseconds (remember-me), or null when the module's timeouts apply. */
  readonly lifetime: number | null;
  /**
   * Whether a browser registered a device key for this session (`dbsc` option): it is then served
   * only with the short-lived cookie that proves the key. `logout()` drops the binding.
   */
  readonly deviceBound: boolean;

  get<K extends keyof T & string>(key: K): T[K] | undefined;
  /**
   * Sets a key. Only values that JSON gives back unchanged are accepted (plain objects, arrays,
   * strings, finite numbers, booleans, null); anything else throws `SessionValueError` naming the key.
   * After changing a nested object in place, `set` it again so the change is saved.
   */
  set<K extends keyof T & string>(key: K, value: T[K]): this;
  has(key: keyof T & string): boolean;
  delete(key: keyof T & string): this;
  /** Removes every application key; the login and flash messages stay. */
  clear(): this;
  keys(): Array<keyof T & string>;
  /** A copy of the application's data. */
  toJSON(): Partial<T>;

  /** A new ID for the same data; the old ID stops working when the request commits. */
  regenerate(): this;
  /** Deletes the session when the request commits, and clears the cookie. */
  destroy(): void;
  /** Extends the expiry on this request even though nothing changed. */
  touch(): this;
  /**
   * Gives this session its own lifetime in milliseconds (remember-me), replacing the idle and
   * absolute timeouts: it lasts that long from now, in the store and as a persistent cookie.
   * `null` returns to the module's timeouts and a browser-session cookie.
   */
  setLifetime(lifetime: number | null): this;

  /**
   * Records the user as logged in and gives the session a new ID (against fixation); data is kept.
   * `proof` says how they proved who they are: method `'password'` unless given, level none.
   */
  login(user: SessionUser, proof?: AuthenticationProof): this;
  /**
   * Records a new proof of identity for the logged-in user (method `'password'` unless given) and
   * gives the session a new ID: `@RequireFresh()` routes pass again, a level's timeouts start over.
   */
  reauthenticated(proof?: AuthenticationProof): this;
  /** Forgets the user (and the device binding) and gives the session a new ID; other data is kept. `destroy()` drops everything. */
  logout(): this;
  /**
   * Offers Device Bound Session Credentials registration on this response (`dbsc` option, cookie
   * transport): the browser may then register a key. A login offers it anyway unless
   * `dbsc.offerOnLogin` is false. Does nothing without the `dbsc` option.
   */
  offerDeviceBinding(): this;

  /** Queues a message for a later request. */
  flash(type: string, message: string): this;
  /** Returns every queued message by type, and removes them. */
  flashes(): FlashMessages;
  /** Returns the queued messages of one type, and removes them. */
  flashes(type: string): string[];

  /**
   * A CSRF token for this session, different on every call (masked against BREACH); every one
   * verifies until the session ends, through logins and new IDs. The first call stores the
   * session's secret, so a new session is saved and gets its cookie. See docs/csrf.md.
   */
  csrfToken(): string;

  /** Writes the changes now instead of after the handler. */
  save(): Promise<void>;
  /** Drops unsaved changes and reads the session again from the store. */
  reload(): Promise<void>;
}
