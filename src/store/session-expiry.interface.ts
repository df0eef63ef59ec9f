import type { SessionStore, SessionStoreCallOptions } from './session-store.interface';

/**
 * The optional expiry contract of a store: deleting expired sessions, which the module's cleanup
 * schedule calls. A store whose back end deletes expired entries itself (a TTL) leaves it out,
 * and then no cleanup runs.
 */
export interface SessionExpiry {
  /**
   * Deletes up to `limit` sessions that expired at or before `now` and returns how many. A store
   * that lets one instance clean up at a time resolves to `null` when another one holds that lock:
   * nothing was deleted, and there may be expired sessions left.
   */
  deleteExpired(now: number, limit: number, options?: SessionStoreCallOptions): Promise<number | null>;
}

/** Whether `store` deletes expired sessions on request (the cleanup schedule's job). */
export function hasExpiry(store: SessionStore): store is SessionStore & SessionExpiry {
  return typeof (store as Partial<SessionExpiry>).deleteExpired === 'function';
}
