import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Observable } from 'rxjs';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import type { Session } from '../core/session.interface';
import { SessionLoader } from '../lifecycle/session-loader';
import type { ResolvedSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import { hasChanges, type SessionChangeListener } from '../store/session-changes.interface';
import { SessionStore } from '../store/session-store.interface';
import { hasUserIndex } from '../store/session-user-index.interface';
import { handshakeRequest, type UpgradeRequest } from './handshake-request';
import { liveConnectionOf, type LiveClient } from './live-connection';
import { TrackedSessions, type Tracked } from './tracked-sessions';

/** How often every tracked session is checked in the store while the change channel is down. */
const POLL_WHILE_INTERRUPTED = 1000;
/** How long an announcement is remembered, for a connection whose session was read just before it. */
const ANNOUNCEMENT_MEMORY = 10_000;

/**
 * Ends live connections (socket.io and `ws` WebSockets, server-sent-event streams) when their
 * session ends: destroyed or revoked on any instance (announced gone on the store's change
 * channel), its user logged out or changed (checked in the user's session list on every announced
 * write), or expired (checked when its expiry comes). While the channel is down, every tracked
 * session is checked in the store each second, so the bound holds; a check the store cannot answer
 * ends the connection (fail closed). Needs the `liveConnections` option on every instance.
 */
@Injectable()
export class SessionConnections implements SessionChangeListener, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SessionModule');
  private readonly tracked = new TrackedSessions();
  /** Handles announced lately, with when: a connection whose session was read before the announcement is checked again. */
  private readonly announced = new Map<string, number>();
  private isListening = false;
  private poller?: NodeJS.Timeout;
  private polling = false;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SessionStore) private readonly rawStore: SessionStore,
    private readonly store: BoundedStore,
    private readonly loader: SessionLoader,
  ) {}

  /** Whether the `liveConnections` option is on. */
  get enabled(): boolean {
    return this.options.liveConnections;
  }

  onModuleInit(): void {
    if (!this.enabled) {
      return;
    }
    if (!hasChanges(this.rawStore) || !hasUserIndex(this.rawStore)) {
      throw new SessionConfigurationError(
        'SessionModule: `liveConnections` needs a store with a change channel (SessionChanges) and a per-user ' +
          'index (SessionUserIndex): TypeOrmSessionStore, RedisSessionStore or MemorySessionStore.',
      );
    }
    this.poller = setInterval(() => void this.pollWhileInterrupted(), POLL_WHILE_INTERRUPTED);
    this.poller.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.poller);
    this.tracked.clear();
  }

  /**
   * Loads the session of a WebSocket from its handshake (the cookie; socket.io's `auth.token` or an
   * `Authorization: Bearer` header where the header transport is on) and, when a user is logged in,
   * closes the connection as soon as that session ends: socket.io with `disconnect(true)`, `ws` with
   * close code 4401. Call it from the gateway's `handleConnection(client, request)` (`request`: the
   * upgrade request, which `ws` gateways receive). Null when the handshake is anonymous: the app
   * decides whether to keep such a connection. Rejects when the store cannot be reached.
   */
  async attach(client: LiveClient, request?: UpgradeRequest): Promise<Session | null> {
    this.assertEnabled();
    const connection = liveConnectionOf(client, request);
    const from = handshakeRequest(connection.handshake, connection.upgrade);
    if (!from) {
      return null;
    }
    const readAt = Date.now();
    // As in gateways' messages: the handshake's cookie, or a token the client put in `Authorization`.
    const session = await this.loader.load(from, false, 'both');
    if (session.isNew || session.user === null) {
      return null;
    }
    const entry = this.track(session, readAt, () => connection.end());
    connection.onEnded(() => this.tracked.remove(entry));
    if (connection.ended) {
      this.tracked.remove(entry);
    }
    return session;
  }

  /**
   * Emits once, and completes, when `session` ends (as {@link attach} sees it); never for an
   * anonymous session. For server-sent events: `source$.pipe(takeUntil(connections.endOf(session)))`
   * in an `@Sse()` handler. Unsubscribing stops the tracking.
   */
  endOf(session: Session): Observable<void> {
    this.assertEnabled();
    const readAt = Date.now();
    return new Observable<void>((subscriber) => {
      if (session.isNew || session.user === null) {
        return undefined;
      }
      const entry = this.track(session, readAt, () => {
        subscriber.next();
        subscriber.complete();
      });
      return () => this.tracked.remove(entry);
    });
  }

  /** Whether the change channel is up (while it is not, tracked sessions are checked in the store every second). */
  get listeningToChanges(): boolean {
    return this.isListening;
  }

  /** How many connections and streams are tracked now. */
  get size(): number {
    return this.tracked.size;
  }

  changed(handle: string, version: number | null): void {
    if (!this.enabled) {
      return; // the feed serves the cache alone
    }
    this.announced.set(handle, Date.now());
    if (version === null) {
      this.tracked.ofHandle(handle).forEach((entry) => this.end(entry));
    } else {
      void this.check(this.tracked.ofHandle(handle));
    }
  }

  listening(): void {
    this.isListening = true;
    void this.check(this.tracked.all());
  }

  interrupted(): void {
    this.isListening = false;
  }

  private track(session: Session, readAt: number, end: () => void): Tracked {
    const entry = this.tracked.add({
      handle: session.handle,
      userId: session.user!.id,
      tenant: session.tenant,
      end,
    });
    this.expireAt(entry, session.expiresAt.getTime());
    // An announcement that came while the session was on its way from the store: check it again.
    if ((this.announced.get(session.handle) ?? -Infinity) >= readAt) {
      void this.check([entry]);
    }
    return entry;
  }

  /**
   * Checks each entry's session in its user's session list (one store call per user): gone, expired
   * or logged out of, the entry ends; still there, its expiry timer moves to the session's.
   */
  private async check(entries: Tracked[]): Promise<void> {
    const now = Date.now();
    await Promise.all(
      TrackedSessions.byUser(entries).map(async (group) => {
        const { userId, tenant } = group[0];
        try {
          const live = await this.store.callIndex((store, call) => store.listByUser(userId, tenant, now, call));
          const expiries = new Map(live.map((summary) => [summary.handle, summary.expiresAt]));
          group.forEach((entry) => {
            const expiresAt = expiries.get(entry.handle);
            if (expiresAt === undefined) {
              this.end(entry);
            } else {
              this.expireAt(entry, expiresAt);
            }
          });
        } catch (error) {
          // Fail closed: a session that cannot be confirmed is not kept alive on a connection.
          this.logger.warn(
            `Live connections: could not check ${group.length} session(s) in the store (${error instanceof Error ? error.message : String(error)}); closing them`,
          );
          group.forEach((entry) => this.end(entry));
        }
      }),
    );
  }

  /** A timer at the session's expiry checks it again: activity elsewhere may have extended it. */
  private expireAt(entry: Tracked, expiresAt: number): void {
    if (!this.tracked.has(entry)) {
      return;
    }
    this.tracked.setTimer(entry, expiresAt, () => void this.check([entry]));
  }

  private end(entry: Tracked): void {
    if (this.tracked.remove(entry)) {
      try {
        entry.end();
      } catch (error) {
        this.logger.warn(`Live connections: closing a connection failed: ${String(error)}`);
      }
    }
  }

  private async pollWhileInterrupted(): Promise<void> {
    const now = Date.now();
    this.announced.forEach((at, handle) => at < now - ANNOUNCEMENT_MEMORY && this.announced.delete(handle));
    if (this.isListening || this.polling || this.tracked.size === 0) {
      return;
    }
    this.polling = true;
    try {
      await this.check(this.tracked.all());
    } finally {
      this.polling = false;
    }
  }

  private assertEnabled(): void {
    if (!this.enabled) {
      throw new SessionConfigurationError(
        'SessionConnections needs the `liveConnections: true` option of SessionModule (on every instance).',
      );
    }
  }
}
