import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppHost } from './app-host';
import { backendCpu, backendCpuBetween } from './backend-cpu';
import { runLoad } from './load';
import type { Workload } from './options';
import type { LoadResult, VariantName } from './protocol';
import { commandsBetween, type RedisProbe } from './redis-probe';
import type { TransactionLedger } from './transaction-ledger';
import { BACKEND } from './variant-catalog';
import { type CookiePool, loadSpecOf } from './workloads';

/** Lets requests still in flight when the load stopped finish before the statements are counted. */
const DRAIN_MS = 200;

/** One load of one workload on one variant. */
export interface Measurement {
  round: number;
  workload: Workload;
  variant: VariantName;
  load: LoadResult;
  /** HTTP requests the app received during the load: completed ones, and those cut off when it stopped. */
  served: number;
  /** Statements the app sent during the load, counted in the app (exact). */
  statements: number;
  /** The SQL texts sent during the load, most sent first, with their counts. */
  sql: Array<{ text: string; count: number }>;
  /** Transactions of the variant's database during the load (`pg_stat_database`), filled in later; null off PostgreSQL. */
  transactions: number | null;
  /**
   * Off Redis null; else the commands the app sent during the load (counted in the app, a script is
   * one), and those the variant's Redis servers ran (masters summed; what the scripts ran included).
   */
  redis: { sent: number; processed: Array<{ text: string; count: number }> } | null;
  /** CPU milliseconds during the load: the app, its PostgreSQL backends or Redis servers (null if unknown), the load generator. */
  cpu: { app: number; database: number | null; loadGenerator: number };
  /**
   * A cached variant's `SessionCache.stats()` during the load: reads answered from the cache and
   * those that went to the store, times its change channel went down, whether it listened at the
   * end. Null when the cache is off.
   */
  cache: { hits: number; misses: number; interruptions: number; listening: boolean } | null;
}

export interface MeasureContext {
  ledger: TransactionLedger;
  /** The database of each variant that has one. */
  databases: Map<VariantName, string>;
  /** The Redis servers of each Redis variant. */
  redis: Map<VariantName, RedisProbe>;
  cookies: Map<VariantName, CookiePool>;
  connections: number;
}

const NO_COOKIES: CookiePool = { hot: [], rare: [] };

/** Whether a variant's loads go through the transaction ledger: those on PostgreSQL. */
const onPostgres = (variant: VariantName) => BACKEND[variant] === 'postgres';

/** Runs `workload` on `app` for `duration` seconds and counts what it cost in SQL. */
export async function measure(
  context: MeasureContext,
  app: AppHost,
  workload: Workload,
  duration: number,
  round: number,
): Promise<Measurement> {
  const spec = loadSpecOf(
    workload,
    app.baseUrl,
    context.cookies.get(app.variant) ?? NO_COOKIES,
    context.connections,
    duration,
  );
  const counted = onPostgres(app.variant);
  const database = context.databases.get(app.variant);
  const probe = context.redis.get(app.variant);
  // Filled in when the ledger next settles this variant's database, long after this returns.
  let measurement: Measurement | undefined;
  if (counted) {
    await context.ledger.beforeLoad(app.variant, (transactions) => {
      if (measurement) {
        measurement.transactions = transactions;
      }
    });
  }
  const backendsBefore = database ? await backendCpu(database) : null;
  const redisBefore = probe ? await probe.snapshot() : null;
  const before = await app.counters();
  try {
    const load = await runLoad(spec);
    await sleep(DRAIN_MS);
    const after = await app.counters();
    const backendsAfter = database ? await backendCpu(database) : null;
    const redisAfter = probe ? await probe.snapshot() : null;
    const redisCpu =
      redisBefore?.cpuMs != null && redisAfter?.cpuMs != null ? redisAfter.cpuMs - redisBefore.cpuMs : null;
    measurement = {
      round,
      workload,
      variant: app.variant,
      load,
      served: after.requests - before.requests,
      statements: after.statements - before.statements,
      sql: Object.entries(after.texts)
        .map(([text, count]) => ({ text, count: count - (before.texts[text] ?? 0) }))
        .filter((entry) => entry.count > 0)
        .sort((a, b) => b.count - a.count),
      transactions: BACKEND[app.variant] === 'none' ? 0 : null,
      redis:
        redisBefore && redisAfter
          ? { sent: after.redisCommands - before.redisCommands, processed: commandsBetween(redisBefore, redisAfter) }
          : null,
      cpu: {
        app: after.cpuMs - before.cpuMs,
        database: database ? backendCpuBetween(backendsBefore, backendsAfter) : probe ? redisCpu : 0,
        loadGenerator: load.cpuMs,
      },
      cache:
        before.cache && after.cache
          ? {
              hits: after.cache.hits - before.cache.hits,
              misses: after.cache.misses - before.cache.misses,
              interruptions: after.cache.interruptions - before.cache.interruptions,
              listening: after.cache.listening,
            }
          : null,
    };
    return measurement;
  } finally {
    if (counted) {
      context.ledger.afterLoad(app.variant);
    }
  }
}

/**
 * An unmeasured load with the app's CPU profiler on; the profile goes to
 * `<dir>/<variant>.<workload>.cpuprofile`. Run after the measurements: the profiler slows the app.
 */
export async function profileLoad(
  context: MeasureContext,
  app: AppHost,
  workload: Workload,
  duration: number,
  dir: string,
): Promise<void> {
  const spec = loadSpecOf(
    workload,
    app.baseUrl,
    context.cookies.get(app.variant) ?? NO_COOKIES,
    context.connections,
    duration,
  );
  await mkdir(dir, { recursive: true });
  await app.startProfile();
  try {
    await runLoad(spec);
  } finally {
    await app.stopProfile(join(dir, `${app.variant}.${workload}.cpuprofile`));
  }
}

/** Unmeasured load, so that the first round does not pay for JIT compilation and cold pools. */
export async function warmUp(
  context: MeasureContext,
  app: AppHost,
  workload: Workload,
  duration: number,
): Promise<void> {
  const spec = loadSpecOf(
    workload,
    app.baseUrl,
    context.cookies.get(app.variant) ?? NO_COOKIES,
    context.connections,
    duration,
  );
  await runLoad(spec);
  if (onPostgres(app.variant)) {
    context.ledger.afterLoad(app.variant);
  }
}
