import { setTimeout as sleep } from 'node:timers/promises';
import { AppHost } from './app-host';
import { startLoad, type RunningLoad } from './load';
import type { CacheCounters, LoadResult, VariantName } from './protocol';
import { type RevocationMethod, runTrial, type Trial } from './revocation-trial';
import { percentile } from './stats';
import { type CookiePool, loadSpecOf } from './workloads';

export { IN_FORCE_WITHIN_MS, WATCH_INTERVAL_MS, WATCH_MS } from './revocation-trial';

/** Trials in flight at once, each with sessions of its own. */
export const LANES = 4;
/** Longest the read loads may run; they are stopped when the trials end. */
const MAX_LOAD_SECONDS = 300;
/** Lets the read loads' connections open before the first trial. */
const LOAD_RAMP_MS = 500;

export type RevocationMode = 'idle' | 'under load';

/** Revocations on one instance seen from another, both with the cache on, on the same store. */
export interface RevocationResult {
  variant: VariantName;
  mode: RevocationMode;
  trials: number;
  /** Milliseconds from the revocation's response (on the first instance) to the first 401 from the second, over the trials that saw one. */
  p50: number;
  p99: number;
  max: number;
  byMethod: Record<RevocationMethod, { trials: number; p50: number; p99: number; max: number }>;
  /** 200s from the second instance to polls sent more than `IN_FORCE_WITHIN_MS` after the revocation's response. */
  staleReadsAfter: number;
  /** Trials with at least one of those. */
  staleTrials: number;
  /** Trials where the second instance never answered 401 within ttl + 2 s (`GIVE_UP_MS`). */
  neverRevoked: number;
  /** Trials whose setup failed (a login, a read before the revocation, or the revocation itself not 2xx). */
  failed: number;
  /** Polls of the second instance after the revocations, and their median round trip (part of every latency above). */
  polls: number;
  pollP50: number;
  /**
   * The second instance's cache over the trials (reads it answered itself and those it asked the
   * store), and how often either instance's change channel went down meanwhile.
   */
  cache: { hits: number; misses: number; interruptions: number };
  /** Under load: the read load on each instance. */
  load: LoadResult[] | null;
}

function latencies(trials: Trial[]): { trials: number; p50: number; p99: number; max: number } {
  const sorted = trials
    .map((trial) => trial.outcome?.latency)
    .filter((latency): latency is number => typeof latency === 'number')
    .sort((x, y) => x - y);
  return {
    trials: trials.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1],
  };
}

/** `count` trials, `LANES` at a time, alternating logout and revoke; one that throws (a request timed out) counts as failed. */
async function runTrials(a: AppHost, b: AppHost, count: number, tag: string): Promise<Trial[]> {
  const trials: Trial[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const method: RevocationMethod = index % 2 === 0 ? 'logout' : 'revoke';
      trials.push(await runTrial(a, b, `revocation-${tag}-${index}`, method).catch(() => ({ method, outcome: null })));
    }
  };
  await Promise.all(Array.from({ length: Math.min(LANES, count) }, lane));
  return trials;
}

/** Both instances' cache counters at one moment. */
async function cachesOf(a: AppHost, b: AppHost): Promise<[CacheCounters, CacheCounters]> {
  const [first, second] = await Promise.all([a.counters(), b.counters()]);
  if (!first.cache || !second.cache) {
    throw new Error(`${a.variant} reports no session cache: revocation is measured on cached variants only`);
  }
  return [first.cache, second.cache];
}

function cacheBetween(
  before: [CacheCounters, CacheCounters],
  after: [CacheCounters, CacheCounters],
): RevocationResult['cache'] {
  const interruptions = (i: 0 | 1) => after[i].interruptions - before[i].interruptions;
  return {
    hits: after[1].hits - before[1].hits,
    misses: after[1].misses - before[1].misses,
    interruptions: interruptions(0) + interruptions(1),
  };
}

async function measureMode(
  a: AppHost,
  b: AppHost,
  mode: RevocationMode,
  trialCount: number,
  pool: CookiePool,
  connections: number,
): Promise<RevocationResult> {
  let loads: RunningLoad[] = [];
  if (mode === 'under load') {
    // Half the connections on each instance; the load ends when the trials do.
    const perInstance = Math.max(1, Math.round(connections / 2));
    loads = [a, b].map((app) => startLoad(loadSpecOf('read', app.baseUrl, pool, perInstance, MAX_LOAD_SECONDS)));
    // Awaited below; this keeps a failed load from being unhandled if the trials fail first.
    loads.forEach((load) => load.result.catch(() => undefined));
    await sleep(LOAD_RAMP_MS);
  }
  const before = await cachesOf(a, b);
  let trials: Trial[];
  try {
    trials = await runTrials(a, b, trialCount, mode === 'idle' ? 'idle' : 'load');
  } finally {
    loads.forEach((load) => load.stop());
  }
  const after = await cachesOf(a, b);
  const load = loads.length > 0 ? await Promise.all(loads.map((running) => running.result)) : null;
  const done = trials.filter((trial) => trial.outcome !== null);
  const roundTrips = done.flatMap((trial) => trial.outcome!.roundTrips).sort((x, y) => x - y);
  return {
    variant: a.variant,
    mode,
    ...latencies(done),
    trials: trials.length,
    byMethod: {
      logout: latencies(done.filter((trial) => trial.method === 'logout')),
      revoke: latencies(done.filter((trial) => trial.method === 'revoke')),
    },
    staleReadsAfter: done.reduce((sum, trial) => sum + trial.outcome!.staleAfter, 0),
    staleTrials: done.filter((trial) => trial.outcome!.staleAfter > 0).length,
    neverRevoked: done.filter((trial) => trial.outcome!.latency === null).length,
    failed: trials.length - done.length,
    polls: roundTrips.length,
    pollP50: percentile(roundTrips, 50),
    cache: cacheBetween(before, after),
    load,
  };
}

/**
 * Revocation latency across two instances: a second instance of the cached variant's app on the
 * same store beside the running one, `trials` revocations with both idle, then `trials` more under
 * a read load on both.
 */
export async function measureRevocation(
  app: AppHost,
  trials: number,
  pool: CookiePool,
  connections: number,
): Promise<RevocationResult[]> {
  const second = await AppHost.start({ ...app.config });
  try {
    return [
      await measureMode(app, second, 'idle', trials, pool, connections),
      await measureMode(app, second, 'under load', trials, pool, connections),
    ];
  } finally {
    await second.stop();
  }
}

/** {@link measureRevocation} for each of `apps` (the cached variants that ran), logging as it goes. */
export async function measureRevocations(
  apps: AppHost[],
  trials: number,
  cookies: Map<VariantName, CookiePool>,
  connections: number,
  log: (line: string) => void,
): Promise<RevocationResult[]> {
  const results: RevocationResult[] = [];
  for (const app of apps) {
    log(`Revocation across two instances: ${app.variant}, ${trials} trials idle and under load`);
    for (const result of await measureRevocation(app, trials, cookies.get(app.variant)!, connections)) {
      results.push(result);
      log(
        `  ${result.mode.padEnd(10)} p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms` +
          `  max ${result.max.toFixed(1)} ms  (poll ${result.pollP50.toFixed(1)} ms)` +
          `  stale reads after ${result.staleReadsAfter} (in ${result.staleTrials} trials)` +
          `  never revoked ${result.neverRevoked}  failed ${result.failed}`,
      );
    }
  }
  return results;
}
