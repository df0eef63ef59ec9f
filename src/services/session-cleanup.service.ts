import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import type { ResolvedSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import { SessionStore } from '../store/session-store.interface';
import { hasExpiry, type SessionExpiry } from '../store/session-expiry.interface';

/** What one run of {@link SessionCleanupService.run} did. */
export interface SessionCleanupResult {
  /** How many expired sessions it deleted. */
  deleted: number;
  /**
   * Why it ended. `'complete'`: no session that had expired when it started is left.
   * `'locked'`: another instance holds the cleanup lock (it is cleaning up), so this run stopped.
   * `'stopped'`: the application began shutting down, so it stopped between batches.
   * `'failed'`: the store failed or did not answer within `storeTimeout` (logged); the next run tries again.
   * `'not-needed'`: the store deletes expired sessions itself (it has no `SessionExpiry`); nothing to do.
   */
  outcome: 'complete' | 'locked' | 'stopped' | 'failed' | 'not-needed';
}

/**
 * Deletes expired sessions every `cleanupInterval` ms, in batches of `cleanupBatchSize`.
 * Expired sessions are never served anyway; this only keeps the table small.
 * Inject it and call `run()` to clean up by hand.
 */
@Injectable()
export class SessionCleanupService implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('SessionCleanup');
  private timer?: NodeJS.Timeout;
  private running?: Promise<SessionCleanupResult>;
  private stopping = false;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SessionStore) private readonly store: SessionStore,
    private readonly bounded: BoundedStore,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.cleanupInterval > 0 && hasExpiry(this.store)) {
      this.timer = setInterval(() => void this.run(), this.options.cleanupInterval);
      this.timer.unref();
    }
  }

  /** Shutdown has begun: no new run starts, and a running one stops after its current batch. */
  onModuleDestroy(): void {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Waits for the current batch (at most `storeTimeout`), before the app closes its database pool. */
  async beforeApplicationShutdown(): Promise<void> {
    this.onModuleDestroy();
    await this.running;
  }

  /**
   * Deletes every session expired by now, batch by batch, and resolves to what it did. Never
   * rejects: failures are logged and the next run tries again. Concurrent calls share one run.
   */
  run(): Promise<SessionCleanupResult> {
    this.running ??= this.deleteExpired().finally(() => (this.running = undefined));
    return this.running;
  }

  private async deleteExpired(): Promise<SessionCleanupResult> {
    const store = this.store;
    if (!hasExpiry(store)) {
      return { deleted: 0, outcome: 'not-needed' };
    }
    const now = Date.now();
    let deleted = 0;
    try {
      for (;;) {
        if (this.stopping) {
          this.logger.log(
            `Cleanup stopped after deleting ${deleted} expired sessions: the application is shutting down`,
          );
          return { deleted, outcome: 'stopped' };
        }
        const batch = await this.deleteBatch(store, now);
        if (batch === null) {
          this.logger.log(
            `Cleanup stopped after deleting ${deleted} expired sessions: another instance holds the cleanup lock`,
          );
          return { deleted, outcome: 'locked' };
        }
        deleted += batch;
        if (batch < this.options.cleanupBatchSize) {
          this.logger.debug(`Cleanup run complete: deleted ${deleted} expired sessions`);
          return { deleted, outcome: 'complete' };
        }
      }
    } catch (error) {
      this.logger.error(`Cleanup of expired sessions failed: ${reasonOf(error)}`);
      return { deleted, outcome: 'failed' };
    }
  }

  /** One batch, bounded by `storeTimeout` so that a store that hangs cannot hold up shutdown. */
  private deleteBatch(store: SessionExpiry, now: number): Promise<number | null> {
    return this.bounded.call((_, call) => store.deleteExpired(now, this.options.cleanupBatchSize, call));
  }
}

/** The message of what went wrong: the store's own error rather than the 503 wrapped around it. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
