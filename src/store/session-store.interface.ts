/** Session data as stored: a JSON object. */
export type SessionData = Record<string, unknown>;

/** What can be shown about a session without giving it away: listings, events. Times are epoch milliseconds. */
export interface SessionSummary {
  /** Opaque, random handle naming the session in listings and revocations; useless as a cookie. */
  handle: string;
  /** Tenant the session belongs to; `''` without multi-tenancy. */
  tenant: string;
  /** ID of the logged-in user, kept beside the data so a user's sessions can be found. */
  userId: string | null;
  createdAt: number;
  lastActiveAt: number;
  /** When the session stops being served: the earlier of the idle and the absolute expiry. */
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
}

/** One stored session. Times are epoch milliseconds. */
export interface StoredSession extends SessionSummary {
  data: SessionData;
  /** Creation plus the absolute timeout (or plus the session's own lifetime); activity never moves it. */
  absoluteExpiresAt: number;
  /** A per-session lifetime in milliseconds (remember-me) that replaces both timeouts, or null. */
  lifetime: number | null;
  /** When the current ID was issued (creation, login, regeneration, renewal). */
  idIssuedAt: number;
}

/**
 * A change to a stored session, applied atomically: keys in `unset` are removed,
 * then the keys of `set` are written, leaving every other key as it is in the store,
 * so concurrent requests that change different keys do not overwrite each other.
 */
export interface SessionPatch {
  set: SessionData;
  unset: string[];
  /** Moves the session to a new ID hash (regeneration); the old hash stops working at once. */
  newIdHash?: string;
  /**
   * Makes `newIdHash` conditional (a renewal, which must yield to any other change of ID): it applies
   * only while the session still has this hash. The rest of the patch applies either way.
   */
  ifIdHash?: string;
  /**
   * With `newIdHash`: the old hash keeps finding the session for this many milliseconds (a renewal,
   * so that requests already sent with the old cookie still reach it). Without it the old hash
   * stops working at once, and any hash kept by an earlier renewal too.
   */
  keepPreviousFor?: number;
  idIssuedAt?: number;
  lastActiveAt?: number;
  expiresAt?: number;
  absoluteExpiresAt?: number;
  lifetime?: number | null;
  userId?: string | null;
  ip?: string;
  userAgent?: string;
}

/** Which of a user's sessions {@link SessionStore.destroyByUser} deletes. */
export interface UserSessionsFilter {
  userId: string;
  /** The tenant whose sessions are meant; `null`: the user's sessions in every tenant. */
  tenant: string | null;
  /** Keep the session with this handle. */
  exceptHandle?: string;
  /** Keep this many of the most recently active live ones (after `exceptHandle`). Default 0. */
  keepNewest?: number;
  /** Sessions expired at this time are never kept by `keepNewest`. Default: the current time. */
  now?: number;
}

/**
 * A login under the `'refuse'` policy: the write happens only while the user has fewer than `max`
 * other sessions live at `now` in the tenant. A store checks and writes as one step, so
 * simultaneous logins of one user cannot together go past `max`.
 */
export interface UserSessionLimit {
  userId: string;
  tenant: string;
  max: number;
  now: number;
}

/** How a write is made: when, and the bounds the store enforces as it writes. */
export interface SessionWriteOptions {
  /** The time of the write, epoch milliseconds: a session expired at `now` is not patched. */
  now: number;
  /**
   * The most bytes the session's data may take once the write is applied, measured where the write
   * is applied, so no interleaving of concurrent writes passes it: past it the store rejects with
   * `SessionTooLargeError` and changes nothing.
   */
  maxBytes?: number;
  /**
   * Epoch milliseconds after which the caller no longer waits for the write: a store that would
   * apply it later (a statement delayed in the network) changes nothing and rejects with
   * `SessionStoreUnavailableError`, so a write answered as failed never lands after newer ones.
   */
  deadline?: number;
  /** A login under the `'refuse'` policy: see {@link UserSessionLimit}. */
  limit?: UserSessionLimit;
}

/**
 * Where sessions live: the extension point for other back-ends.
 * Sessions are keyed by the SHA-256 hash of their ID; a store never sees the ID itself.
 * A store reports an unreachable back-end by rejecting; the module turns that into 503.
 */
export interface SessionStore {
  /**
   * The session with this ID hash or, when none has it, the one a renewal moved away from it less
   * than its `keepPreviousFor` ago; null when there is none. Expired sessions may be returned: the
   * caller checks `expiresAt`.
   */
  get(idHash: string): Promise<StoredSession | null>;
  /**
   * Stores a new session. With `options.limit`, rejects with `SessionLimitExceededError` and stores
   * nothing when the user already has `limit.max` other live sessions.
   */
  create(idHash: string, session: StoredSession, options?: SessionWriteOptions): Promise<void>;
  /**
   * Applies a patch to the session with this handle (its stable identity: whatever ID hash it has
   * by then) if it has not expired at `options.now`. Resolves to the session's ID hash after the
   * patch, or null when there was none to patch. With `options.limit`, rejects with
   * `SessionLimitExceededError` and changes nothing when the user already has `limit.max` live
   * sessions besides this one.
   */
  patch(handle: string, patch: SessionPatch, options: SessionWriteOptions): Promise<string | null>;
  /** Deletes the session with this handle, whatever ID hash it has by then; a missing one is not an error. */
  destroy(handle: string): Promise<void>;
  /**
   * Deletes up to `limit` sessions that expired at or before `now` and returns how many. A store
   * that lets one instance clean up at a time resolves to `null` when another one holds that lock:
   * nothing was deleted, and there may be expired sessions left. A store without such a lock
   * always resolves to a number.
   */
  deleteExpired(now: number, limit: number): Promise<number | null>;
  /** The user's sessions that have not expired at `now`, most recently active first. */
  listByUser(userId: string, tenant: string, now: number): Promise<SessionSummary[]>;
  /** Deletes the user's session with this handle; returns it, or null if the user has none such. */
  destroyByHandle(userId: string, tenant: string, handle: string): Promise<SessionSummary | null>;
  /** Deletes the user's sessions the filter selects and returns them. */
  destroyByUser(filter: UserSessionsFilter): Promise<SessionSummary[]>;
}

/** Injection token of the {@link SessionStore}, shared with the interface's name. */
export const SessionStore = Symbol.for('SESSION:STORE');
