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
  /**
   * How many writes the session has had: 0 when created, one more with every patch. Kept by stores
   * with a change channel (`SessionChanges`), which the session cache needs; others leave it out.
   */
  version?: number;
  /**
   * Set by `get` only when it found the session by the ID a renewal replaced (see
   * `keepPreviousFor`): when that ID stops finding it, epoch milliseconds. The cache keeps no copy
   * under such an ID.
   */
  previousIdUntil?: number;
  /**
   * Set by `get` of a store with `encryption` only: keys whose stored value is under an older key
   * (or in plaintext); the session's next write rewrites them under the current key. Stores ignore it.
   */
  staleKeys?: string[];
}

/**
 * A change to a stored session, applied atomically: keys in `unset` are removed,
 * then the keys of `set` are written, leaving every other key as it is in the store,
 * so concurrent requests that change different keys do not overwrite each other.
 */
export interface SessionPatch {
  set: SessionData;
  unset: string[];
  /**
   * Applies the patch only while the session's {@link StoredSession.version} is this one: the
   * store otherwise changes nothing and rejects with `SessionChangedError` (a write based on a
   * cached copy that another write overtook). Only sent to stores with a change channel.
   */
  ifVersion?: number;
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
