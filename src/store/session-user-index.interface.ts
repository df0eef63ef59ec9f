import type { SessionStore, SessionStoreCallOptions } from './session-store.interface';
import type { SessionSummary } from './stored-session.interface';

/** Which of a user's sessions {@link SessionUserIndex.destroyByUser} deletes. */
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

/**
 * The optional per-user index of a store: what `SessionService` (a user's sessions) and
 * `maxSessionsPerUser` need. A store that implements it must also honour `limit` in
 * `create` and `patch`: count the user's other live sessions and write in one step, rejecting
 * with `SessionLimitExceededError` past it, so simultaneous logins cannot pass the limit.
 */
export interface SessionUserIndex {
  /** The user's sessions in the tenant that have not expired at `now`, most recently active first. */
  listByUser(userId: string, tenant: string, now: number, options?: SessionStoreCallOptions): Promise<SessionSummary[]>;
  /** Deletes the user's session with this handle in the tenant; returns it, or null if the user has none such. */
  destroyByHandle(
    userId: string,
    tenant: string,
    handle: string,
    options?: SessionStoreCallOptions,
  ): Promise<SessionSummary | null>;
  /** Deletes the user's sessions the filter selects and returns them. */
  destroyByUser(filter: UserSessionsFilter, options?: SessionStoreCallOptions): Promise<SessionSummary[]>;
}

/** Whether `store` keeps the per-user index. */
export function hasUserIndex(store: SessionStore): store is SessionStore & SessionUserIndex {
  const candidate = store as Partial<SessionUserIndex>;
  return (
    typeof candidate.listByUser === 'function' &&
    typeof candidate.destroyByHandle === 'function' &&
    typeof candidate.destroyByUser === 'function'
  );
}
