import type { SessionStore, SessionStoreCallOptions } from './session-store.interface';

/**
 * The optional start-up check of a store: the module calls it once, when the application boots
 * (unless `checkStoreOnStart: false`), so that a missing table or an unreachable server stops the
 * app with a message naming the fix instead of answering every session write with 503.
 */
export interface SessionStoreCheck {
  /**
   * Resolves when the store is usable. Rejects with a `SessionConfigurationError` when the store
   * is set up wrong (a missing table or column), or a `SessionStoreUnavailableError` when it does
   * not answer.
   */
  checkStore(options?: SessionStoreCallOptions): Promise<void>;
}

/** Whether `store` can check itself at start-up. */
export function hasStoreCheck(store: SessionStore): store is SessionStore & SessionStoreCheck {
  return typeof (store as Partial<SessionStoreCheck>).checkStore === 'function';
}
