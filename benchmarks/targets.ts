import type { LostUpdateCheck } from './lost-updates';
import type { ScaleResult } from './scale';
import type { Summary } from './summary';

/** One target of the issue, checked on one variant of this module. */
export interface TargetCheck {
  target: string;
  variant: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

export const MODULE_VARIANTS = ['nest-sessions', 'nest-sessions-fastify'] as const;
/** The module on Redis: the store changes nothing on a route that uses no session, so only that target is checked there. */
const REDIS_MODULE_VARIANTS = ['nest-sessions-redis', 'nest-sessions-redis-fastify', 'nest-sessions-redis-cluster'];
const PLAIN_TARGET = "plain ≥ 0.97× the same platform's none req/s";

/**
 * The targets: ratios against the peer or `none` in the same run, checked on both module
 * variants on PostgreSQL, and the `plain` one on the Redis variants too (those that ran).
 */
export function checkTargets(summaries: Summary[], guard: LostUpdateCheck[], scale: ScaleResult | null): TargetCheck[] {
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
    ratio('read ≥ 1.5× peer req/s', 'read', variant, 1.5, 'vsPeer');
    const read = find('read', variant);
    const sql = read ? (read.sqlPerRequest ?? read.statementsPerRequest) : null;
    checks.push({
      target: 'read ≤ 1.05 SQL statements per request',
      variant,
      measured: sql === null ? 'not measured' : sql.toFixed(3),
      met: sql === null ? null : sql <= 1.05,
    });
    ratio('write ≥ 1.2× peer req/s', 'write', variant, 1.2, 'vsPeer');
    const lost = guard.find((check) => check.variant === variant);
    checks.push({
      target: 'write: no lost updates',
      variant,
      measured: lost ? `${lost.lost} of ${lost.keysWritten} keys lost` : 'not measured',
      met: lost ? lost.lost === 0 && lost.failedRequests === 0 : null,
    });
    ratio('login ≥ 1.0× peer req/s', 'login', variant, 1.0, 'vsPeer');
    ratio('read ≥ 60% of none req/s', 'read', variant, 0.6, 'vsNone');
    ratio(PLAIN_TARGET, 'plain', variant, 0.97, 'vsNone');
  }
  for (const variant of REDIS_MODULE_VARIANTS.filter(ran)) {
    ratio(PLAIN_TARGET, 'plain', variant, 0.97, 'vsNone');
  }
  if (!ran('nest-sessions')) {
    return checks;
  }
  checks.push({
    target: 'read p99 during cleanup ≤ 2× without',
    variant: 'nest-sessions',
    measured: scale ? `${scale.p99Ratio.toFixed(2)}×` : 'not measured',
    met: scale ? scale.p99Ratio <= 2 : null,
  });
  return checks;
}
