import type { SessionPatch, StoredSession } from './stored-session.interface';
import type { UserSessionLimit } from './session-user-index.interface';

/** What every store call may carry: the signal that the caller stopped waiting (its timeout). */
export interface SessionStoreCallOptions {
  /**
   * Aborted when the module gives up on the call (`storeTimeout`): a store stops the work it can
   * (the TypeORM store cancels the statement on the server and discards the connection). The
   * module bounds every call itself; a store needs no timer of its own.
   */
  signal?: AbortSignal;
  /** Milliseconds the caller waits in all (the signal fires then), for stores that also bound work on their server. */
  timeout?: number;
}

/** How a write is made: when, and the bounds the store enforces as it writes. */
export interface SessionWriteOptions extends SessionStoreCallOptions {
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
  /**
   * A login under the `'refuse'` policy (see {@link UserSessionLimit}); only given to stores that
   * implement `SessionUserIndex`, which must check it and write in one step.
   */
  limit?: UserSessionLimit;
}

/**
 * Where sessions live: the core contract every store implements. Sessions are keyed by the
 * SHA-256 hash of their ID (a store never sees the ID itself) and, for writes, by their handle,
 * a stable identity that survives ID changes. A store reports an unreachable back end by
 * rejecting; the module turns that into 503. A store may also implement `SessionUserIndex` (a
 * user's sessions) and `SessionExpiry` (deleting expired sessions; stores whose back end expires
 * entries itself leave it out, and no cleanup runs). `describeSessionStore` from
 * `nest-sessions/testing` is the conformance suite.
 */
export interface SessionStore {
  /**
   * The session with this ID hash or, when none has it, the one a renewal moved away from it less
   * than its `keepPreviousFor` ago; null when there is none. Expired sessions may be returned: the
   * caller checks `expiresAt`.
   */
  get(idHash: string, options?: SessionStoreCallOptions): Promise<StoredSession | null>;
  /** Stores a new session under `idHash`, within the bounds of `options`. */
  create(idHash: string, session: StoredSession, options: SessionWriteOptions): Promise<void>;
  /**
   * Applies a patch to the session with this handle (its stable identity: whatever ID hash it has
   * by then) if it has not expired at `options.now`. Resolves to the session's ID hash after the
   * patch, or null when there was none to patch.
   */
  patch(handle: string, patch: SessionPatch, options: SessionWriteOptions): Promise<string | null>;
  /** Deletes the session with this handle, whatever ID hash it has by then; a missing one is not an error. */
  destroy(handle: string, options?: SessionStoreCallOptions): Promise<void>;
}

/** Injection token of the {@link SessionStore}, shared with the interface's name. */
export const SessionStore = Symbol.for('SESSION:STORE');
