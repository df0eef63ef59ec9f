import { parseArgs } from 'node:util';
import { VARIANTS, type VariantName } from './protocol';
import { VARIANT_GROUPS } from './variant-catalog';

export const WORKLOADS = ['read', 'write', 'login', 'plain', 'rare'] as const;
export type Workload = (typeof WORKLOADS)[number];
/**
 * What a run measures unless `--workloads` says otherwise: `plain` and `rare` are asked for by name
 * (with them, `--variants all` would take about 25 minutes instead of 15).
 */
const DEFAULT_WORKLOADS: readonly Workload[] = ['read', 'write', 'login'];

/** What one `npm run bench` does; every field has a flag. */
export interface BenchOptions {
  /** Seconds of load per measurement. */
  duration: number;
  /** Rounds; in each, every workload runs on every variant in turn. */
  rounds: number;
  /** Seconds of unmeasured load per variant and workload before the first round. */
  warmup: number;
  connections: number;
  /** The apps measured, in the order they run within a round. */
  variants: VariantName[];
  /** Sessions logged in per variant before the loads, rotated over by read and write. */
  sessions: number;
  /** Sessions logged in per variant for `rare` (the first `sessions` of them are the hot ones); seeded only when `rare` runs. */
  rareSessions: number;
  workloads: Workload[];
  /** Revocations measured per cached variant and mode (idle, under load) across two instances; 0 skips it. */
  revocationTrials: number;
  /** Rows in the `sessions` table for the cleanup benchmark, half expired; 0 skips it (so do runs without `nest-sessions`). */
  scaleRows: number;
  pgbench: boolean;
  /** Record a V8 CPU profile of each app and summarize where its time goes. */
  profile: boolean;
}

const USAGE = `Usage: npm run bench -- [flags]

  --duration <s>      seconds of load per measurement (default 5)
  --rounds <n>        rounds; each runs every workload on every variant in turn (default 3)
  --warmup <s>        unmeasured seconds per variant and workload first (default 1)
  --connections <n>   autocannon connections (default 32)
  --variants <list>   comma-separated variants or groups: pg (default), redis, all, or any of
                      ${VARIANTS.join(', ')}
  --sessions <n>      sessions logged in per variant, rotated over by read/write (default 1000)
  --workloads <list>  comma-separated, of ${WORKLOADS.join(',')} (default ${DEFAULT_WORKLOADS.join(',')});
                      plain: GET /plain, a route without session; rare: reads, each from a session
                      drawn at random from --rare-sessions
  --rare-sessions <n> more sessions per variant for rare, made through its store (default 50000;
                      the cache holds 10000)
  --revocation-trials <n>
                      revocations per cached variant, idle and under load, on two instances of the
                      app (default 200; 0 skips)
  --scale-rows <n>    rows in the sessions table for the cleanup run, half expired (default 1000000)
  --no-scale          skip the cleanup run
  --no-pgbench        skip the database ceiling (pgbench)
  --profile           after the measurements, one more load per variant and workload with the app's
                      CPU profiler on: .cpuprofile files in benchmarks/results/profiles/, summary in the report
  --help

The pgbench ceiling and the cleanup run need the nest-sessions variant (in pg and all).
Redis variants use REDIS_URL (default redis://127.0.0.1:6379) and a cluster the bench starts.
Longer, steadier runs: --duration 15 --rounds 5. Quick check: --duration 2 --rounds 1 --scale-rows 100000.
Redis only: --variants redis (about 8 minutes); both in one run: --variants all (about 15 minutes).
Everything: --variants all --workloads read,write,login,plain,rare (about 25 minutes).`;

export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      connections: { type: 'string', default: '32' },
      variants: { type: 'string', default: 'pg' },
      sessions: { type: 'string', default: '1000' },
      'rare-sessions': { type: 'string', default: '50000' },
      'revocation-trials': { type: 'string', default: '200' },
      workloads: { type: 'string', default: DEFAULT_WORKLOADS.join(',') },
      'scale-rows': { type: 'string', default: '1000000' },
      'no-scale': { type: 'boolean', default: false },
      'no-pgbench': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return null;
  }
  const workloads = values.workloads.split(',').map((name) => name.trim());
  const unknown = workloads.filter((name) => !(WORKLOADS as readonly string[]).includes(name));
  if (unknown.length > 0 || workloads.length === 0) {
    throw new Error(
      `--workloads: unknown ${unknown.join(', ')}; use a comma-separated list of ${WORKLOADS.join(', ')}`,
    );
  }
  return {
    duration: number('duration', values.duration, 1, 600),
    rounds: number('rounds', values.rounds, 1, 50),
    warmup: number('warmup', values.warmup, 0, 60),
    connections: number('connections', values.connections, 1, 1000),
    variants: variantsOf(values.variants),
    sessions: number('sessions', values.sessions, 1, 100_000),
    rareSessions: number('rare-sessions', values['rare-sessions'], 1, 1_000_000),
    workloads: workloads as Workload[],
    revocationTrials: number('revocation-trials', values['revocation-trials'], 0, 100_000),
    scaleRows: values['no-scale'] ? 0 : number('scale-rows', values['scale-rows'], 0, 20_000_000),
    pgbench: !values['no-pgbench'],
    profile: values.profile,
  };
}

/** The variants of a list of names and groups, in the catalog's order. */
function variantsOf(list: string): VariantName[] {
  const chosen = new Set<string>();
  for (const name of list.split(',').map((item) => item.trim())) {
    const members = VARIANT_GROUPS[name] ?? ((VARIANTS as readonly string[]).includes(name) ? [name] : null);
    if (!members) {
      const groups = Object.keys(VARIANT_GROUPS).join(', ');
      throw new Error(`--variants: unknown "${name}"; use groups (${groups}) or variants (${VARIANTS.join(', ')})`);
    }
    members.forEach((member) => chosen.add(member));
  }
  return VARIANTS.filter((variant) => chosen.has(variant));
}

function number(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max}; got "${text}"\n\n${USAGE}`);
  }
  return value;
}
