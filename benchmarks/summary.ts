import type { Measurement } from './measure';
import type { Workload } from './options';
import type { VariantName } from './protocol';
import { median } from './stats';
import { BACKEND, NONE_ON, PEER, PLATFORM } from './variant-catalog';

/** Medians over the rounds of one workload on one variant. */
export interface Summary {
  workload: Workload;
  variant: VariantName;
  rounds: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Non-2xx answers plus connection errors and timeouts. */
  errors: number;
  /** `pg_stat_database` transactions per request (null when they could not be counted). */
  sqlPerRequest: number | null;
  /** Statements the app sent per request, counted in the app; null off PostgreSQL. */
  statementsPerRequest: number | null;
  /** Which SQL texts those were, over all rounds, most sent first. */
  sql: Array<{ text: string; perRequest: number }>;
  /** Commands the Redis servers ran per request, the scripts' included (`INFO commandstats`); null off Redis. */
  redisProcessedPerRequest: number | null;
  /** Commands the app sent to Redis per request, counted in the app (a script is one); null off Redis. */
  redisSentPerRequest: number | null;
  /** The commands the servers ran, by name, over all rounds, most first. */
  redisCommands: Array<{ text: string; perRequest: number }>;
  /** CPU microseconds per request received: the app, its PostgreSQL backends or Redis servers, the load generator. */
  cpuPerRequest: { app: number; database: number | null; loadGenerator: number };
  /**
   * A cached variant's cache over all rounds: hits over hits + misses (null when the workload looked
   * nothing up, as a login does), the counts, the store commands the app sent meanwhile, and whether
   * its change channel went down during a load.
   */
  cache: { hitRate: number | null; hits: number; misses: number; storeCalls: number; interrupted: boolean } | null;
  /**
   * Requests per second over the peer's (express-session on the same back end, see `PEER`), and over
   * `baselineOf` (the app without sessions on the same platform).
   */
  vsPeer: number | null;
  vsNone: number | null;
}

/**
 * What "vs none" divides by: the app without sessions on the variant's own platform (`none` on
 * Express, `none-fastify` on Fastify), so the ratio is what the session library leaves of that app.
 */
export function baselineOf(variant: VariantName): VariantName {
  return NONE_ON[PLATFORM[variant]];
}

/** The cache's counters over all rounds of one workload on one variant. */
function cacheOverRounds(group: Measurement[]): Summary['cache'] {
  const counted = group.filter((m) => m.cache !== null);
  if (counted.length === 0) {
    return null;
  }
  const hits = counted.reduce((sum, m) => sum + m.cache!.hits, 0);
  const misses = counted.reduce((sum, m) => sum + m.cache!.misses, 0);
  return {
    hitRate: hits + misses === 0 ? null : hits / (hits + misses),
    hits,
    misses,
    storeCalls: counted.reduce((sum, m) => sum + (m.redis ? m.redis.sent : m.statements), 0),
    interrupted: counted.some((m) => m.cache!.interruptions > 0 || !m.cache!.listening),
  };
}

const errorsOf = (m: Measurement) => m.load.non2xx + m.load.errors + m.load.timeouts;
/** Microseconds per request the app received. */
const perRequest = (ms: number, m: Measurement) => (m.served === 0 ? 0 : (ms * 1000) / m.served);

/** Each SQL text's (or Redis command's) count over all rounds, per request received. */
function perRequestOverRounds(
  group: Measurement[],
  entriesOf: (m: Measurement) => Array<{ text: string; count: number }>,
): Array<{ text: string; perRequest: number }> {
  const served = group.reduce((sum, m) => sum + m.served, 0);
  const counts = new Map<string, number>();
  for (const m of group) {
    for (const { text, count } of entriesOf(m)) {
      counts.set(text, (counts.get(text) ?? 0) + count);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([text, count]) => ({ text, perRequest: served === 0 ? 0 : count / served }));
}

export function summarize(measurements: Measurement[]): Summary[] {
  const groups = new Map<string, Measurement[]>();
  for (const measurement of measurements) {
    const key = `${measurement.workload}/${measurement.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), measurement]);
  }
  const summaries = [...groups.values()].map((group): Summary => {
    // Per request the app received: requests cut off by the end of a load still ran their SQL.
    const counted = group.filter((m) => m.transactions !== null && m.served > 0);
    const onRedis = group.filter((m) => m.redis !== null && m.served > 0);
    const processed = (m: Measurement) => m.redis!.processed.reduce((sum, entry) => sum + entry.count, 0);
    return {
      workload: group[0].workload,
      variant: group[0].variant,
      rounds: group.length,
      requestsPerSecond: median(group.map((m) => m.load.requestsPerSecond)),
      p50: median(group.map((m) => m.load.p50)),
      p99: median(group.map((m) => m.load.p99)),
      errors: median(group.map(errorsOf)),
      sqlPerRequest: counted.length === 0 ? null : median(counted.map((m) => m.transactions! / m.served)),
      statementsPerRequest:
        BACKEND[group[0].variant] === 'postgres' || BACKEND[group[0].variant] === 'none'
          ? median(group.map((m) => (m.served === 0 ? 0 : m.statements / m.served)))
          : null,
      sql: perRequestOverRounds(group, (m) => m.sql),
      redisProcessedPerRequest: onRedis.length === 0 ? null : median(onRedis.map((m) => processed(m) / m.served)),
      redisSentPerRequest: onRedis.length === 0 ? null : median(onRedis.map((m) => m.redis!.sent / m.served)),
      redisCommands: perRequestOverRounds(group, (m) => m.redis?.processed ?? []),
      cpuPerRequest: {
        app: median(group.map((m) => perRequest(m.cpu.app, m))),
        database: group.some((m) => m.cpu.database === null)
          ? null
          : median(group.map((m) => perRequest(m.cpu.database!, m))),
        loadGenerator: median(group.map((m) => perRequest(m.cpu.loadGenerator, m))),
      },
      cache: cacheOverRounds(group),
      vsPeer: null,
      vsNone: null,
    };
  });
  for (const summary of summaries) {
    const rate = (variant: VariantName) =>
      summaries.find((other) => other.workload === summary.workload && other.variant === variant)?.requestsPerSecond;
    const peer = PEER[summary.variant] ? rate(PEER[summary.variant]!) : undefined;
    const none = rate(baselineOf(summary.variant));
    summary.vsPeer = peer ? summary.requestsPerSecond / peer : null;
    summary.vsNone = none ? summary.requestsPerSecond / none : null;
  }
  return summaries;
}

/** Store commands the app sent per request: SQL statements on PostgreSQL, Redis commands (a script is one) on Redis. */
export function storeCallsSent(s: Summary): number | null {
  return s.statementsPerRequest ?? s.redisSentPerRequest;
}

/** The same as the server counted them: `pg_stat_database` transactions, or the commands Redis ran (scripts' included). */
export function storeCallsCounted(s: Summary): number | null {
  return s.sqlPerRequest ?? s.redisProcessedPerRequest;
}
