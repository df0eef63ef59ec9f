/** A stored session as the tests compare it, timestamps in epoch milliseconds; the same on every store. */
export interface SessionRow {
  idHash: string;
  handle: string;
  tenant: string;
  data: Record<string, unknown>;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  lifetimeMs: number | null;
  createdAt: number;
  lastActiveAt: number;
  expiresAt: number;
  absoluteExpiresAt: number;
  idIssuedAt: number;
}

/**
 * What the app stored, read straight from the store (the `sessions` table, or the Redis keys of
 * the test file's prefix), to check it behind the app's back.
 */
export interface StoredSessions {
  /**
   * The session a `sid=...` cookie points at (through the hash of its ID), or undefined.
   * With multi-tenancy, give the tenant the cookie was issued for: it is part of the hash.
   */
  rowOf(cookie: string, tenant?: string): Promise<SessionRow | undefined>;
  /** The session with this handle (the `id` of `GET /sessions`), or undefined. */
  rowByHandle(handle: string): Promise<SessionRow | undefined>;
  /** The sessions whose data has this top-level key (for sessions whose ID changed meanwhile). */
  rowsWithKey(key: string): Promise<SessionRow[]>;
  /** Deletes every session, so a test starts from an empty store. */
  clear(): Promise<void>;
  /** How many sessions are stored. */
  count(): Promise<number>;
  /** Everything stored, as text, one entry per row or key: to prove what is never stored. */
  rowsAsText(): Promise<string[]>;
  /**
   * Sets one key of a session's data behind the app's back, as another writer would (its version
   * moves on) but with no announcement on the change channel: a change whose message was lost.
   */
  setKeyQuietly(cookie: string, key: string, value: unknown): Promise<void>;
  /**
   * Gives a session its own lifetime behind the app's back (remember-me: expiry and absolute expiry
   * move to now + `ms`), with a new version but no announcement: a change whose message was lost.
   */
  setLifetimeQuietly(cookie: string, ms: number): Promise<void>;
  /** Ends the connections the app's instances listen on for changes (the session cache's), as a network failure would. */
  terminateListeners(): Promise<void>;
  /** Moves a session's activity `ms` into the past, as if its last request was that long ago. */
  backdateActivity(cookie: string, ms: number, tenant?: string): Promise<void>;
  /**
   * Holds every write to the store (reads go on) until the returned function is called, at most
   * `ms`: PostgreSQL's SHARE lock on the table; on Redis, `CLIENT PAUSE ... WRITE` on every primary.
   */
  holdWrites(ms: number): Promise<() => Promise<void>>;
  /** Closes the connection to the store. */
  close(): Promise<void>;
}
