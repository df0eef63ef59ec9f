import { Logger } from '@nestjs/common';
import { SessionCleanupService } from './session-cleanup.service';
import { resolveSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import { SessionStoreHealth } from '../store/session-store-health';
import type { SessionStore } from '../store/session-store.interface';

const BATCH = 10;
const STORE_TIMEOUT = 50;

/** A store whose `deleteExpired` calls wait until the test answers them, one by one. */
class BatchStore {
  readonly calls: { answer(deleted: number | null): void; fail(error: Error): void }[] = [];

  readonly deleteExpired = jest.fn(
    () =>
      new Promise<number | null>((resolve, reject) => {
        this.calls.push({ answer: resolve, fail: reject });
      }),
  );

  /** Resolves once `count` batches have been asked for. */
  async batchesAsked(count: number): Promise<void> {
    while (this.calls.length < count) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

describe('SessionCleanupService', () => {
  let store: BatchStore;
  let cleanup: SessionCleanupService;
  let log: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeEach(() => {
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    store = new BatchStore();
    const options = resolveSessionOptions({
      secret: 'x'.repeat(32),
      cleanupBatchSize: BATCH,
      storeTimeout: STORE_TIMEOUT,
      cleanupInterval: 0,
    });
    const sessionStore = store as unknown as SessionStore;
    const bounded = new BoundedStore(options, sessionStore, new SessionStoreHealth());
    cleanup = new SessionCleanupService(options, sessionStore, bounded);
  });

  afterEach(() => jest.restoreAllMocks());

  it('deletes batch after batch until one comes back short', async () => {
    const run = cleanup.run();
    await store.batchesAsked(1);
    store.calls[0].answer(BATCH);
    await store.batchesAsked(2);
    store.calls[1].answer(3);

    await expect(run).resolves.toEqual({ deleted: BATCH + 3, outcome: 'complete' });
    expect(store.deleteExpired).toHaveBeenCalledTimes(2);
  });

  it('stops between batches once shutdown begins, and shutdown waits only for the current batch', async () => {
    const run = cleanup.run();
    await store.batchesAsked(1);
    store.calls[0].answer(BATCH);
    await store.batchesAsked(2);

    cleanup.onModuleDestroy();
    const shutdown = cleanup.beforeApplicationShutdown();
    store.calls[1].answer(BATCH);

    await expect(run).resolves.toEqual({ deleted: 2 * BATCH, outcome: 'stopped' });
    await shutdown;
    expect(store.deleteExpired).toHaveBeenCalledTimes(2);
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/stopped after deleting 20 .*shutting down/));
    await expect(cleanup.run()).resolves.toEqual({ deleted: 0, outcome: 'stopped' });
    expect(store.deleteExpired).toHaveBeenCalledTimes(2);
  });

  it('lets a store that never answers hold up shutdown for storeTimeout only', async () => {
    const run = cleanup.run();
    await store.batchesAsked(1);

    await cleanup.beforeApplicationShutdown();

    await expect(run).resolves.toEqual({ deleted: 0, outcome: 'failed' });
    expect(error).toHaveBeenCalledWith(expect.stringContaining(`did not answer within ${STORE_TIMEOUT} ms`));
  });

  it('says so when another instance holds the cleanup lock', async () => {
    const run = cleanup.run();
    await store.batchesAsked(1);
    store.calls[0].answer(BATCH);
    await store.batchesAsked(2);
    store.calls[1].answer(null);

    await expect(run).resolves.toEqual({ deleted: BATCH, outcome: 'locked' });
    expect(log).toHaveBeenCalledWith(expect.stringContaining('another instance holds the cleanup lock'));
  });

  it("logs a store failure with the store's own message and resolves to what it had deleted", async () => {
    const run = cleanup.run();
    await store.batchesAsked(1);
    store.calls[0].answer(BATCH);
    await store.batchesAsked(2);
    store.calls[1].fail(new Error('connection terminated'));

    await expect(run).resolves.toEqual({ deleted: BATCH, outcome: 'failed' });
    expect(error).toHaveBeenCalledWith('Cleanup of expired sessions failed: connection terminated');
  });
});
