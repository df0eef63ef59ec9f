import { LRUCache } from 'lru-cache';
import type { StoredSession } from '../store/stored-session.interface';

interface Entry {
  /** The record without its data, which is kept as JSON so every request gets a copy of its own. */
  record: StoredSession;
  data: string;
  version: number;
}

/** A session that is gone: newer than every version. */
const GONE = Number.POSITIVE_INFINITY;

/**
 * The cache's entries: sessions by ID hash, least recently used first out, each at most `ttl`
 * old, with the newest version announced for each handle (kept `announcedFor` milliseconds), so
 * that an older copy is never put back once a newer one was announced.
 */
export class CachedSessions {
  private readonly entries: LRUCache<string, Entry>;
  private readonly idHashesOf = new Map<string, Set<string>>();
  private readonly announced: LRUCache<string, number>;
  /** Sessions read once lately: a read is cached the second time, so sessions seen once never churn the cache. */
  private readonly seenOnce = new Set<string>();

  constructor(
    ttl: number,
    private readonly maxEntries: number,
    announcedFor: number,
  ) {
    this.entries = new LRUCache<string, Entry>({
      max: maxEntries,
      ttl,
      dispose: (entry, idHash) => this.unindex(entry.record.handle, idHash),
    });
    this.announced = new LRUCache<string, number>({ max: maxEntries, ttl: announcedFor });
  }

  get size(): number {
    return this.entries.size;
  }

  /** A copy of the session cached under `idHash`; undefined if none, or if it looks expired (the store may know better). */
  get(idHash: string, now: number): StoredSession | undefined {
    const entry = this.entries.get(idHash);
    if (entry === undefined) {
      return undefined;
    }
    if (entry.record.expiresAt <= now) {
      // Another instance may have extended it, its announcement lost: only the store can say.
      this.entries.delete(idHash);
      return undefined;
    }
    return { ...entry.record, data: JSON.parse(entry.data) as StoredSession['data'] };
  }

  /**
   * Caches a session read from the store the second time lately, unless a newer version is cached or
   * was announced, or it was found by the ID a renewal replaced (which stops finding it soon, and
   * only the store knows when).
   */
  put(idHash: string, session: StoredSession): void {
    const version = session.version;
    const outdated = (this.announced.get(session.handle) ?? -1) > (version ?? -1);
    if (version === undefined || outdated || session.previousIdUntil !== undefined || this.firstSight(idHash)) {
      return;
    }
    const cached = this.entries.peek(idHash);
    if (cached === undefined || cached.version <= version) {
      this.store(idHash, session, version);
    }
  }

  /**
   * Caches a session this instance has just written, in place of any copy under another ID hash;
   * unless a newer version was announced meanwhile (a logout that came in while the write was on its way back).
   */
  replace(idHash: string, session: StoredSession): void {
    const version = session.version;
    if (version === undefined) {
      return;
    }
    this.changed(session.handle, version);
    if (this.announced.get(session.handle) === version) {
      this.store(idHash, session, version);
    }
  }

  /** A session changed to `version` (null: it is gone): older copies go. */
  changed(handle: string, version: number | null): void {
    const newest = version ?? GONE;
    if ((this.announced.get(handle) ?? -1) < newest) {
      this.announced.set(handle, newest);
    }
    for (const idHash of [...(this.idHashesOf.get(handle) ?? [])]) {
      const entry = this.entries.peek(idHash);
      if (entry !== undefined && entry.version < newest) {
        this.entries.delete(idHash);
      }
    }
  }

  clear(): void {
    this.entries.clear();
    this.announced.clear();
    this.seenOnce.clear();
  }

  /** Counts a new session as read once: its first read from the store is then kept. */
  sighted(idHash: string): void {
    this.firstSight(idHash);
  }

  /** Whether `idHash` was not read lately (it is remembered now); forgets all at once when too many are remembered. */
  private firstSight(idHash: string): boolean {
    if (this.seenOnce.delete(idHash)) {
      return false;
    }
    if (this.seenOnce.size >= this.maxEntries) {
      this.seenOnce.clear();
    }
    this.seenOnce.add(idHash);
    return true;
  }

  private store(idHash: string, session: StoredSession, version: number): void {
    const { previousIdUntil: _previous, data, ...record } = session;
    this.entries.set(idHash, { record: { ...record, data: {} }, data: JSON.stringify(data), version });
    const idHashes = this.idHashesOf.get(session.handle) ?? new Set<string>();
    idHashes.add(idHash);
    this.idHashesOf.set(session.handle, idHashes);
  }

  private unindex(handle: string, idHash: string): void {
    const idHashes = this.idHashesOf.get(handle);
    idHashes?.delete(idHash);
    if (idHashes?.size === 0) {
      this.idHashesOf.delete(handle);
    }
  }
}
