import type { SessionPatch, SessionStore, StoredSession } from '../session-store.interface';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept; the least recently written is dropped past it. Default 10 000. */
  maxSessions?: number;
}

/**
 * A {@link SessionStore} in the process's memory, for development and tests: bounded, expiring,
 * lost on restart and not shared between instances. Not for production.
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly maxSessions: number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  /** How many sessions are held, expired ones included until cleanup. */
  get size(): number {
    return this.sessions.size;
  }

  async get(idHash: string, now: number): Promise<StoredSession | null> {
    const session = this.sessions.get(idHash);
    if (!session || session.expiresAt <= now) {
      return null;
    }
    return structuredClone(session);
  }

  async create(idHash: string, session: StoredSession): Promise<void> {
    this.put(idHash, structuredClone(session));
  }

  async patch(idHash: string, patch: SessionPatch, now: number): Promise<boolean> {
    const session = this.sessions.get(idHash);
    if (!session || session.expiresAt <= now) {
      return false;
    }
    patch.unset.forEach((key) => delete session.data[key]);
    Object.assign(session.data, structuredClone(patch.set));
    const { set: _set, unset: _unset, newIdHash, ...fields } = patch;
    for (const [field, value] of Object.entries(fields)) {
      if (value !== undefined) {
        (session as unknown as Record<string, unknown>)[field] = value;
      }
    }
    this.sessions.delete(idHash);
    this.put(newIdHash ?? idHash, session);
    return true;
  }

  async destroy(idHash: string): Promise<void> {
    this.sessions.delete(idHash);
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    let deleted = 0;
    for (const [idHash, session] of this.sessions) {
      if (deleted >= limit) {
        break;
      }
      if (session.expiresAt <= now) {
        this.sessions.delete(idHash);
        deleted++;
      }
    }
    return deleted;
  }

  private put(idHash: string, session: StoredSession): void {
    this.sessions.delete(idHash);
    this.sessions.set(idHash, session);
    if (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }
}
