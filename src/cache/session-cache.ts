import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import type { ResolvedSessionOptions } from '../module/session-options';
import { hasChanges, type SessionChangeListener } from '../store/session-changes.interface';
import { SessionStore } from '../store/session-store.interface';
import type { StoredSession } from '../store/stored-session.interface';
import { CachedSessions } from './cached-sessions';

/** What the cache has done since the app started. */
export interface SessionCacheStats {
  /** Reads answered from the cache. */
  hits: number;
  /** Reads that went to the store while the cache was on. */
  misses: number;
  /** Sessions held now. */
  size: number;
  /** Whether the store's change channel is up: while it is not, the cache is empty and bypassed. */
  listening: boolean;
  /** How many times the change channel went down (each time the cache was emptied). */
  interruptions: number;
}

/**
 * The in-process session cache (`cache` option): verified sessions by ID hash, each dropped when
 * the store's change channel announces a newer version, when it reaches `ttl`, or when the channel
 * goes down (then the cache stays empty and bypassed until it is back: it fails closed). A read
 * takes a {@link ticket} before asking the store, so that its answer is not cached if a change was
 * announced, or the channel went down, while it was on its way. The announcements come from the
 * instance's one subscription to the channel (`SessionChangeFeed`).
 */
@Injectable()
export class SessionCache implements SessionChangeListener, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SessionModule');
  private readonly sessions: CachedSessions | null;
  private isListening = false;
  /** Moves whenever the channel goes up or down: a read that started before cannot fill the cache. */
  private epoch = 0;
  private hits = 0;
  private misses = 0;
  private interruptions = 0;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) options: ResolvedSessionOptions,
    @Inject(SessionStore) private readonly store: SessionStore,
  ) {
    const cache = options.cache;
    // A change announced while a read was in flight must outlive the read: the store timeout bounds it.
    this.sessions = cache && new CachedSessions(cache.ttl, cache.maxEntries, 2 * options.storeTimeout);
  }

  /** Whether the `cache` option is on. */
  get enabled(): boolean {
    return this.sessions !== null;
  }

  onModuleInit(): void {
    if (this.sessions === null) {
      return;
    }
    if (!hasChanges(this.store)) {
      throw new SessionConfigurationError(
        'SessionModule: `cache` needs a store with a change channel (SessionChanges), to hear of changes made ' +
          'by other instances: TypeOrmSessionStore, RedisSessionStore or MemorySessionStore.',
      );
    }
  }

  onApplicationShutdown(): void {
    this.stopServing();
  }

  /** The cached session with this ID hash, as a copy the request may change; undefined on a miss. */
  lookup(idHash: string, now: number): StoredSession | undefined {
    if (this.sessions === null || !this.isListening) {
      return undefined;
    }
    const found = this.sessions.get(idHash, now);
    if (found) {
      this.hits++;
    } else {
      this.misses++;
    }
    return found;
  }

  /** Taken before a store read: {@link fill} caches its answer only if the channel stayed up meanwhile. */
  ticket(): number | null {
    return this.sessions !== null && this.isListening ? this.epoch : null;
  }

  /** Caches what a store read answered, unless a newer version was announced since its {@link ticket}. */
  fill(idHash: string, stored: StoredSession | null, ticket: number | null): void {
    if (this.sessions !== null && stored !== null && ticket !== null && ticket === this.epoch) {
      this.sessions.put(idHash, stored);
    }
  }

  /**
   * After this instance wrote `record` (at its `version`) under `idHash`: the copy every next read
   * can use, if the channel stayed up since the write's {@link ticket} (a change announced while it
   * was down could be newer).
   */
  written(idHash: string, record: StoredSession, ticket: number | null): void {
    if (this.sessions !== null && ticket !== null && ticket === this.epoch) {
      this.sessions.replace(idHash, record);
    }
  }

  /**
   * After this instance created a session: not kept yet (a login's session may never come back, and
   * would only push out the ones in use), but its first read from the store will be.
   */
  created(idHash: string): void {
    this.sessions?.sighted(idHash);
  }

  /** Drops this instance's copies of the session: it was ended, or written at a version this instance cannot know. */
  forget(handle: string): void {
    this.sessions?.changed(handle, null);
  }

  /** {@link forget} for each of these sessions (revoked ones). */
  forgetAll(sessions: ReadonlyArray<{ handle: string }>): void {
    sessions.forEach((session) => this.forget(session.handle));
  }

  stats(): SessionCacheStats {
    const { hits, misses, interruptions, isListening: listening } = this;
    return { hits, misses, size: this.sessions?.size ?? 0, listening, interruptions };
  }

  changed(handle: string, version: number | null): void {
    this.sessions?.changed(handle, version);
  }

  listening(): void {
    this.epoch++;
    this.isListening = true;
    this.logger.debug('Session cache: listening to the store for changes');
  }

  interrupted(): void {
    if (this.isListening) {
      this.interruptions++;
      this.logger.warn('Session cache: lost the store change channel; bypassing the cache until it is back');
    }
    this.stopServing();
  }

  /** Empties the cache and bypasses it; a read already on its way cannot fill it. */
  private stopServing(): void {
    this.epoch++;
    this.isListening = false;
    this.sessions?.clear();
  }
}
