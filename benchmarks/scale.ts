import { setTimeout as sleep } from 'node:timers/promises';
import { AppHost } from './app-host';
import { BENCH_DATABASE, databaseUrl, withClient } from './database';
import { runLoad, startLoad } from './load';
import { CLEANUP_BATCH_SIZE, type LoadResult } from './protocol';
import { seedSessions } from './seed';
import { insertGeneratedSessions } from './session-rows';
import { loadSpecOf } from './workloads';

/** Longest read load kept up while the cleanup runs; the cleanup itself may take longer. */
const MAX_CLEANUP_LOAD_SECONDS = 300;
/** Lets the load's connections open before the cleanup starts. */
const LOAD_RAMP_MS = 300;

/** The cleanup of a big table, and what it does to reads meanwhile. */
export interface ScaleResult {
  rows: number;
  expiredRows: number;
  fillSeconds: number;
  /** `outcome` is `SessionCleanupResult.outcome`: `complete` unless the run stopped early. */
  cleanup: { deleted: number; outcome: string; seconds: number; rowsPerSecond: number; batchSize: number };
  readBefore: LoadResult;
  readDuring: LoadResult;
  readAfter: LoadResult;
  /** Read p99 while cleaning over read p99 without (the lower of before and after): the target is at most 2. */
  p99Ratio: number;
  remainingRows: number;
  remainingExpired: number;
}

interface ScaleSettings {
  rows: number;
  sessions: number;
  connections: number;
  duration: number;
}

/**
 * Fills this module's table with `rows` sessions (half expired) in the bench's main database,
 * then runs `SessionCleanupService.run()` inside the app, as its schedule would, under a read load.
 */
export async function measureCleanupAtScale(
  settings: ScaleSettings,
  log: (line: string) => void,
): Promise<ScaleResult> {
  const app = await AppHost.start({
    variant: 'nest-sessions',
    databaseUrl: databaseUrl(BENCH_DATABASE),
    cleanupInterval: 0,
    cleanupBatchSize: CLEANUP_BATCH_SIZE,
  });
  try {
    const cookies = await seedSessions(app.baseUrl, settings.sessions);
    const generated = Math.max(0, settings.rows - settings.sessions);
    log(`  filling sessions with ${generated} more rows, half expired`);
    const fillStarted = performance.now();
    await withClient(async (client) => {
      await insertGeneratedSessions(client, generated, 2);
      await client.query('VACUUM ANALYZE sessions');
    }, BENCH_DATABASE);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    const counts = await countRows();
    log(`  ${counts.rows} rows (${counts.expired} expired) in ${fillSeconds.toFixed(1)} s`);

    const read = (duration: number) =>
      loadSpecOf('read', app.baseUrl, { hot: cookies, rare: [] }, settings.connections, duration);
    await runLoad(read(1)); // warm-up
    const readBefore = await runLoad(read(settings.duration));
    log(`  read p99 without cleanup: ${readBefore.p99.toFixed(2)} ms`);

    const during = startLoad(read(MAX_CLEANUP_LOAD_SECONDS));
    await sleep(LOAD_RAMP_MS);
    const cleanup = await app.cleanup().finally(() => during.stop());
    const readDuring = await during.result;
    log(
      `  cleanup deleted ${cleanup.deleted} rows (${cleanup.outcome}) in ${(cleanup.milliseconds / 1000).toFixed(1)} s; read p99 meanwhile ${readDuring.p99.toFixed(2)} ms`,
    );

    const readAfter = await runLoad(read(settings.duration));
    const remaining = await countRows();
    return {
      rows: counts.rows,
      expiredRows: counts.expired,
      fillSeconds,
      cleanup: {
        deleted: cleanup.deleted,
        outcome: cleanup.outcome,
        seconds: cleanup.milliseconds / 1000,
        rowsPerSecond: cleanup.deleted / (cleanup.milliseconds / 1000),
        batchSize: cleanup.batchSize,
      },
      readBefore,
      readDuring,
      readAfter,
      p99Ratio: readDuring.p99 / Math.min(readBefore.p99, readAfter.p99),
      remainingRows: remaining.rows,
      remainingExpired: remaining.expired,
    };
  } finally {
    await app.stop();
  }
}

async function countRows(): Promise<{ rows: number; expired: number }> {
  return withClient(async (client) => {
    const { rows } = await client.query<{ rows: string; expired: string }>(
      `SELECT count(*)::text AS rows, count(*) FILTER (WHERE expires_at <= now())::text AS expired FROM sessions`,
    );
    return { rows: Number(rows[0].rows), expired: Number(rows[0].expired) };
  }, BENCH_DATABASE);
}
