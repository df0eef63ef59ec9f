import type {
  SessionPatch,
  SessionStore,
  SessionSummary,
  StoredSession,
  UserSessionLimit,
  UserSessionsFilter,
} from '../session-store.interface';
import { SessionLimitExceededError } from '../session.errors';

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

  async get(idHash: string): Promise<StoredSession | null> {
    const session = this.sessions.get(idHash);
    return session ? structuredClone(session) : null;
  }

  async create(idHash: string, session: StoredSession, limit?: UserSessionLimit): Promise<void> {
    this.assertUnderLimit(limit, idHash);
    this.put(idHash, structuredClone(session));
  }

  async patch(idHash: string, patch: SessionPatch, now: number, limit?: UserSessionLimit): Promise<boolean> {
    const session = this.sessions.get(idHash);
    if (!session || session.expiresAt <= now) {
      return false;
    }
    this.assertUnderLimit(limit, idHash);
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

  /** Counting and writing happen in one synchronous step, so no other call comes in between. */
  private assertUnderLimit(limit: UserSessionLimit | undefined, idHash: string): void {
    if (!limit) {
      return;
    }
    const others = this.ofUser(limit.userId, limit.tenant).filter(
      ([otherHash, other]) => otherHash !== idHash && other.expiresAt > limit.now,
    );
    if (others.length >= limit.max) {
      throw new SessionLimitExceededError(limit.max);
    }
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

  async listByUser(userId: string, tenant: string, now: number): Promise<SessionSummary[]> {
    return this.ofUser(userId, tenant)
      .filter(([, session]) => session.expiresAt > now)
      .map(([, session]) => toSummary(session));
  }

  async destroyByHandle(userId: string, tenant: string, handle: string): Promise<SessionSummary | null> {
    const found = this.ofUser(userId, tenant).find(([, session]) => session.handle === handle);
    if (!found) {
      return null;
    }
    this.sessions.delete(found[0]);
    return toSummary(found[1]);
  }

  async destroyByUser(filter: UserSessionsFilter): Promise<SessionSummary[]> {
    const now = filter.now ?? Date.now();
    const others = this.ofUser(filter.userId, filter.tenant).filter(([, s]) => s.handle !== filter.exceptHandle);
    const live = others.filter(([, session]) => session.expiresAt > now);
    const doomed = [...live.slice(filter.keepNewest ?? 0), ...others.filter(([, session]) => session.expiresAt <= now)];
    doomed.forEach(([idHash]) => this.sessions.delete(idHash));
    return doomed.map(([, session]) => toSummary(session));
  }

  /** The user's sessions with their hashes, most recently active first. */
  private ofUser(userId: string, tenant: string): Array<[string, StoredSession]> {
    return [...this.sessions.entries()]
      .filter(([, session]) => session.userId === userId && session.tenant === tenant)
      .sort(([, a], [, b]) => b.lastActiveAt - a.lastActiveAt);
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

function toSummary(session: StoredSession): SessionSummary {
  const { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent } = session;
  return { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent };
}
