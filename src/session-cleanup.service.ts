import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SESSION_MODULE_OPTIONS } from './session.constants';
import type { ResolvedSessionOptions } from './session-options';
import { SessionStore } from './session-store.interface';

/**
 * Deletes expired sessions every `cleanupInterval` ms, in batches of `cleanupBatchSize`.
 * Expired sessions are never served anyway; this only keeps the table small.
 * Inject it and call `run()` to clean up by hand.
 */
@Injectable()
export class SessionCleanupService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SessionCleanup');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SessionStore) private readonly store: SessionStore,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.cleanupInterval > 0) {
      this.timer = setInterval(() => void this.run(), this.options.cleanupInterval);
      this.timer.unref();
    }
  }

  /** Stops the schedule and waits for a running batch, before the app closes its database pool. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * Deletes every session expired by now and resolves to how many it deleted. Never rejects:
   * failures are logged and the next run tries again. Concurrent calls share one run.
   */
  run(): Promise<number> {
    this.running ??= this.deleteExpired().finally(() => (this.running = undefined));
    return this.running;
  }

  private async deleteExpired(): Promise<number> {
    const now = Date.now();
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.store.deleteExpired(now, this.options.cleanupBatchSize);
        total += deleted;
        if (deleted < this.options.cleanupBatchSize) {
          return total;
        }
      }
    } catch (error) {
      this.logger.error(
        `Cleanup of expired sessions failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return total;
    }
  }
}
