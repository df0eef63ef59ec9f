import type { LostUpdateCheck } from './lost-updates';
import type { VariantName } from './protocol';
import { IN_FORCE_WITHIN_MS, type RevocationResult } from './revocation';
import type { ScaleResult } from './scale';
import { storeCallsSent, type Summary } from './summary';
import { isCached, PLATFORM } from './variant-catalog';

/** One target of the issue, checked on one variant of this module. */
export interface TargetCheck {
  target: string;
  variant: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

/** The module on PostgreSQL without the cache, on Express and Fastify. */
export const MODULE_VARIANTS = ['nest-sessions', 'nest-sessions-fastify'] as const;
/** The same apps with the cache on. */
export const CACHED_MODULE_VARIANTS = ['nest-sessions-cached', 'nest-sessions-fastify-cached'] as const;
const REDIS_MODULE_VARIANTS = [
  'nest-sessions-redis',
  'nest-sessions-redis-cached',
  'nest-sessions-redis-fastify',
  'nest-sessions-redis-fastify-cached',
  'nest-sessions-redis-cluster',
  'nest-sessions-redis-cluster-cached',
] as const;
/** The floor for a cached read over the same app without sessions, by platform. */
const CACHED_READ_VS_NONE = { express: 0.75, fastify: 0.4 } as const;

/** The variant without `-cached`: the same app with the cache off. */
const uncachedOf = (variant: VariantName) => variant.replace(/-cached$/, '') as VariantName;

/**
 * The targets (ratios within this run): on PostgreSQL, reads, writes and logins against
 * the peer and cached reads against the same app without sessions; on every module variant, a
 * route without session against the app without the module; on every cached variant, the store
 * commands of a cache hit and revocation across two instances; the lost-updates guard and the
 * cleanup at scale.
 */
export function checkTargets(
  summaries: Summary[],
  guard: LostUpdateCheck[],
  revocation: RevocationResult[],
  scale: ScaleResult | null,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (workload: string, variant: string) =>
    summaries.find((summary) => summary.workload === workload && summary.variant === variant);
  const ratio = (target: string, workload: string, variant: string, minimum: number, of: 'vsPeer' | 'vsNone') => {
    const value = find(workload, variant)?.[of] ?? null;
    checks.push({
      target,
      variant,
      measured: value === null ? 'not measured' : `${value.toFixed(2)}×`,
      met: value === null ? null : value >= minimum,
    });
  };
  const ran = (variant: string) => summaries.some((summary) => summary.variant === variant);
  for (const variant of MODULE_VARIANTS.filter(ran)) {
    ratio('uncached read ≥ 2.0× peer req/s', 'read', variant, 2.0, 'vsPeer');
    const read = find('read', variant);
    const sql = read ? (read.sqlPerRequest ?? read.statementsPerRequest) : null;
    checks.push({
      target: 'uncached read ≤ 1.05 SQL statements per request',
      variant,
      measured: sql === null ? 'not measured' : sql.toFixed(3),
      met: sql === null ? null : sql <= 1.05,
    });
  }
  for (const variant of CACHED_MODULE_VARIANTS.filter(ran)) {
    ratio('write (cache on) ≥ 1.3× peer req/s', 'write', variant, 1.3, 'vsPeer');
  }
  for (const variant of [...MODULE_VARIANTS, ...CACHED_MODULE_VARIANTS].filter(ran)) {
    ratio('login ≥ 1.2× peer req/s', 'login', variant, 1.2, 'vsPeer');
    const lost = guard.find((check) => check.variant === variant);
    checks.push({
      target: 'write: no lost updates',
      variant,
      measured: lost ? `${lost.lost} of ${lost.keysWritten} keys lost` : 'not measured',
      met: lost ? lost.lost === 0 && lost.failedRequests === 0 : null,
    });
  }
  for (const variant of [...MODULE_VARIANTS, ...CACHED_MODULE_VARIANTS, ...REDIS_MODULE_VARIANTS].filter(ran)) {
    ratio('plain (route without session) ≥ 0.97× the app without the module', 'plain', variant, 0.97, 'vsNone');
  }
  for (const variant of [...CACHED_MODULE_VARIANTS, ...REDIS_MODULE_VARIANTS].filter((v) => ran(v) && isCached(v))) {
    const platform = PLATFORM[variant as VariantName];
    const floor = CACHED_READ_VS_NONE[platform];
    ratio(`cached read ≥ ${floor.toFixed(2)}× the same app without sessions`, 'read', variant, floor, 'vsNone');
    checks.push(commandsPerHit(find('read', variant), find('read', uncachedOf(variant as VariantName)), variant));
  }
  for (const result of revocation) {
    const met = result.trials > 0 && result.failed === 0 && result.neverRevoked === 0;
    checks.push({
      target: `revocation on another instance (${result.mode}): p99 ≤ ${IN_FORCE_WITHIN_MS} ms, 0 stale reads after`,
      variant: result.variant,
      measured: `p99 ${result.p99.toFixed(1)} ms, ${result.staleReadsAfter} stale`,
      met: met && result.p99 <= IN_FORCE_WITHIN_MS && result.staleReadsAfter === 0,
    });
  }
  if (ran('nest-sessions')) {
    checks.push({
      target: 'read p99 during cleanup ≤ 2× without',
      variant: 'nest-sessions',
      measured: scale ? `${scale.p99Ratio.toFixed(2)}×` : 'not measured',
      met: scale ? scale.p99Ratio <= 2 : null,
    });
  }
  return checks;
}

/**
 * Store commands per cached read, from the read loads of a cached variant: the commands it sent,
 * less what its misses cost (each as much as a read of the same app without the cache, measured in
 * this run), over its hits. The app counts commands, not which request sent them, hence the
 * subtraction; its change channel's heartbeat (one command a second) is in the remainder.
 */
function commandsPerHit(cached: Summary | undefined, uncached: Summary | undefined, variant: string): TargetCheck {
  const target = 'store commands per cached read = 0';
  const perMiss = uncached ? storeCallsSent(uncached) : null;
  const cache = cached?.cache;
  if (perMiss === null || !cache || cache.hits === 0) {
    return { target, variant, measured: 'not measured', met: null };
  }
  const perHit = Math.max(0, cache.storeCalls - cache.misses * perMiss) / cache.hits;
  return { target, variant, measured: perHit.toFixed(3), met: perHit < 0.005 };
}
