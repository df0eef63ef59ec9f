import type { SessionPatch, SessionSummary, StoredSession } from './stored-session.interface';
import type { SessionStore, SessionWriteOptions } from './session-store.interface';
import type { UserSessionLimit, UserSessionsFilter } from './session-user-index.interface';
import type { SessionChangeListener, SessionChanges, SessionChangeSubscription } from './session-changes.interface';
import { SessionChangedError, SessionLimitExceededError } from '../core/session.errors';
import { MemoryChangeChannel } from './memory-change-channel';
import { assertFits, assertInTime, recordChanges, toSummary } from './memory-session-rules';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept; the least recently written is dropped past it. Default 10 000. */
  maxSessions?: number;
}

/**
 * A {@link SessionStore} in the process's memory, for development and tests: bounded, expiring,
 * lost on restart and not shared between instances. Not for production. Its change channel
 * (`SessionChanges`) reaches the apps of this process that share the store object.
 */
export class MemorySessionStore implements SessionStore, SessionChanges {
  private readonly sessions = new Map<string, StoredSession>();
  /** The ID hash of each session by handle, its stable identity. */
  private readonly hashes = new Map<string, string>();
  /** Hashes a renewal replaced, with the session's handle and until when they still find it. */
  private readonly previous = new Map<string, { handle: string; until: number }>();
  private readonly maxSessions: number;
  private readonly changes = new MemoryChangeChannel();

  constructor(options: MemorySessionStoreOptions = {}) {
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  /** How many sessions are held, expired ones included until cleanup. */
  get size(): number {
    return this.sessions.size;
  }

  async get(idHash: string): Promise<StoredSession | null> {
    const session = this.sessions.get(idHash);
    return session ? structuredClone(session) : this.renewedFrom(idHash);
  }

  /** The session a renewal moved away from `idHash`, while that hash still finds it. */
  private renewedFrom(idHash: string): StoredSession | null {
    const previous = this.previous.get(idHash);
    const session = previous && previous.until > Date.now() ? this.byHandle(previous.handle)?.[1] : undefined;
    return session ? { ...structuredClone(session), previousIdUntil: previous!.until } : null;
  }

  async create(
    idHash: string,
    session: StoredSession,
    options: SessionWriteOptions = { now: Date.now() },
  ): Promise<void> {
    assertInTime(options);
    assertFits(session.data, options);
    this.assertUnderLimit(options.limit, session.handle);
    this.put(idHash, { ...structuredClone(session), version: 0 });
  }

  async patch(handle: string, patch: SessionPatch, options: SessionWriteOptions): Promise<string | null> {
    assertInTime(options);
    const found = this.byHandle(handle);
    if (!found || found[1].expiresAt <= options.now) {
      return null;
    }
    const [idHash, stored] = found;
    const version = stored.version ?? 0;
    if (patch.ifVersion !== undefined && patch.ifVersion !== version) {
      throw new SessionChangedError();
    }
    const data = { ...stored.data };
    patch.unset.forEach((key) => delete data[key]);
    Object.assign(data, structuredClone(patch.set));
    assertFits(data, options);
    this.assertUnderLimit(options.limit, handle);
    const { newIdHash, ifIdHash, idIssuedAt, keepPreviousFor } = patch;
    const session = { ...stored, ...recordChanges(patch), data, version: version + 1 };
    const movesId = newIdHash !== undefined && (ifIdHash === undefined || ifIdHash === idHash);
    if (movesId) {
      session.idIssuedAt = idIssuedAt ?? options.now;
      this.forgetPrevious(handle);
      if (keepPreviousFor !== undefined) {
        this.previous.set(idHash, { handle, until: session.idIssuedAt + keepPreviousFor });
      }
    }
    this.remove(idHash);
    this.put(movesId ? newIdHash : idHash, session);
    this.changes.announce(handle, session.version);
    return movesId ? newIdHash : idHash;
  }

  /** Counting and writing happen in one synchronous step, so no other call comes in between. */
  private assertUnderLimit(limit: UserSessionLimit | undefined, handle: string): void {
    if (!limit) {
      return;
    }
    const others = this.ofUser(limit.userId, limit.tenant).filter(
      ([, other]) => other.handle !== handle && other.expiresAt > limit.now,
    );
    if (others.length >= limit.max) {
      throw new SessionLimitExceededError(limit.max);
    }
  }

  async destroy(handle: string): Promise<void> {
    const found = this.byHandle(handle);
    if (found) {
      this.removeAnnounced(found[0]);
    }
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    let deleted = 0;
    for (const [idHash, session] of this.sessions) {
      if (deleted >= limit) {
        break;
      }
      if (session.expiresAt <= now) {
        this.remove(idHash);
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
    this.removeAnnounced(found[0]);
    return toSummary(found[1]);
  }

  async destroyByUser(filter: UserSessionsFilter): Promise<SessionSummary[]> {
    const now = filter.now ?? Date.now();
    const others = this.ofUser(filter.userId, filter.tenant).filter(([, s]) => s.handle !== filter.exceptHandle);
    const live = others.filter(([, session]) => session.expiresAt > now);
    const doomed = [...live.slice(filter.keepNewest ?? 0), ...others.filter(([, session]) => session.expiresAt <= now)];
    doomed.forEach(([idHash]) => this.removeAnnounced(idHash));
    return doomed.map(([, session]) => toSummary(session));
  }

  subscribeToChanges(listener: SessionChangeListener): SessionChangeSubscription {
    return this.changes.subscribe(listener);
  }

  private byHandle(handle: string): [string, StoredSession] | undefined {
    const idHash = this.hashes.get(handle);
    const session = idHash === undefined ? undefined : this.sessions.get(idHash);
    return session && [idHash as string, session];
  }

  /** The user's sessions with their hashes, most recently active first; a null tenant: in every tenant. */
  private ofUser(userId: string, tenant: string | null): Array<[string, StoredSession]> {
    return [...this.sessions.entries()]
      .filter(([, session]) => session.userId === userId && (tenant === null || session.tenant === tenant))
      .sort(([, a], [, b]) => b.lastActiveAt - a.lastActiveAt);
  }

  private put(idHash: string, session: StoredSession): void {
    this.remove(idHash);
    this.sessions.set(idHash, session);
    this.hashes.set(session.handle, idHash);
    if (this.sessions.size > this.maxSessions) {
      this.removeAnnounced(this.sessions.keys().next().value as string);
    }
  }

  private forgetPrevious(handle: string): void {
    for (const [hash, previous] of this.previous) {
      if (previous.handle === handle || previous.until <= Date.now()) {
        this.previous.delete(hash);
      }
    }
  }

  /** Deletes the session for good (not to put it back under another hash) and announces it gone. */
  private removeAnnounced(idHash: string): void {
    const session = this.sessions.get(idHash);
    this.remove(idHash);
    if (session) {
      this.changes.announce(session.handle, null);
    }
  }

  private remove(idHash: string): void {
    const session = this.sessions.get(idHash);
    if (session && this.hashes.get(session.handle) === idHash) {
      this.hashes.delete(session.handle);
    }
    this.sessions.delete(idHash);
  }
}
