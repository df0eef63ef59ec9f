import type { SessionStore } from './session-store.interface';

/** What a store's change channel tells the module's session cache. */
export interface SessionChangeListener {
  /**
   * The session with this handle changed, on this instance or another: `version` is its
   * {@link StoredSession.version} after the change, or null when it is gone (destroyed, revoked).
   */
  changed(handle: string, version: number | null): void;
  /** The channel listens (again): from now on every change reaches {@link changed}. */
  listening(): void;
  /** The channel stopped listening (connection lost or silent): changes may be missed until {@link listening}. */
  interrupted(): void;
}

/** A subscription to a store's change channel; `close()` ends it. */
export interface SessionChangeSubscription {
  close(): Promise<void>;
}

/**
 * A store that announces every change it makes to a session on a channel every instance listens
 * to (PostgreSQL `LISTEN/NOTIFY`, Redis pub/sub), and counts each session's writes in
 * {@link StoredSession.version}, honouring {@link SessionPatch.ifVersion}. The session cache
 * (`cache` option) needs it.
 */
export interface SessionChanges {
  /**
   * Starts announcing this store's changes, and delivering every instance's to `listener`. Returns
   * at once: `listener.listening()` fires once the channel is up, `interrupted()` whenever it goes
   * down, and the store reconnects by itself.
   */
  subscribeToChanges(listener: SessionChangeListener): SessionChangeSubscription;
}

/** Whether `store` has a change channel (see {@link SessionChanges}). */
export function hasChanges(store: SessionStore): store is SessionStore & SessionChanges {
  return typeof (store as Partial<SessionChanges>).subscribeToChanges === 'function';
}
