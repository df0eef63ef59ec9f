import { LRUCache } from 'lru-cache';
import type { StoredSession } from '../store/stored-session.interface';

/** A cached session: a copy the request may change, and its data as JSON, as it was read. */
export interface CachedCopy {
  session: StoredSession;
  data: string;
}

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

  constructor(ttl: number, maxEntries: number, announcedFor: number) {
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
  get(idHash: string, now: number): CachedCopy | undefined {
    const entry = this.entries.get(idHash);
    if (entry === undefined) {
      return undefined;
    }
    if (entry.record.expiresAt <= now) {
      // Another instance may have extended it, its announcement lost: only the store can say.
      this.entries.delete(idHash);
      return undefined;
    }
    return { session: { ...entry.record, data: JSON.parse(entry.data) as StoredSession['data'] }, data: entry.data };
  }

  /** Caches a session read from the store, unless a newer version is cached or was announced. */
  put(idHash: string, session: StoredSession, data: string): void {
    const version = session.version;
    if (version === undefined || (this.announced.get(session.handle) ?? -1) > version) {
      return;
    }
    const cached = this.entries.peek(idHash);
    if (cached === undefined || cached.version <= version) {
      this.store(idHash, session, version, data);
    }
  }

  /** Caches a session this instance has just written, in place of any copy under another ID hash. */
  replace(idHash: string, session: StoredSession): void {
    const version = session.version;
    if (version === undefined) {
      return;
    }
    this.changed(session.handle, version);
    this.store(idHash, session, version, JSON.stringify(session.data));
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
  }

  private store(idHash: string, session: StoredSession, version: number, data: string): void {
    this.entries.set(idHash, { record: { ...session, data: {} }, data, version });
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
