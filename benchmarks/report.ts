import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { cacheMeasuredLines, cacheProblems, hitRateCell, revocationLines, seedingLines } from './cache-report';
import type { LostUpdateCheck } from './lost-updates';
import type { MachineInfo } from './machine';
import type { Measurement } from './measure';
import type { BenchOptions, Workload } from './options';
import type { PgbenchResult } from './pgbench';
import type { ProfileSummary } from './profile-summary';
import { redisCommandLines, redisMeasuredLines } from './redis-report';
import type { RevocationResult } from './revocation';
import type { ScaleResult } from './scale';
import type { SeedCost } from './seed';
import { storeCallsCounted, storeCallsSent, type Summary } from './summary';
import type { TableStats } from './table-stats';
import { CACHED_MODULE_VARIANTS, MODULE_VARIANTS, type TargetCheck } from './targets';

/** Everything one run measured: what `latest.json` holds. */
export interface BenchReport {
  startedAt: string;
  seconds: number;
  loadAverageAtEnd: number[];
  /** What went wrong or makes the figures less telling. */
  problems: string[];
  command: string;
  options: BenchOptions;
  machine: MachineInfo;
  /** The Redis servers of the Redis variants; null when none ran. */
  redis: string | null;
  summaries: Summary[];
  targets: TargetCheck[];
  pgbench: PgbenchResult[];
  scale: ScaleResult | null;
  /** What logging in each variant's sessions cost. */
  seeding: SeedCost[];
  /** The session tables after the rounds (seeding and warm-up included). */
  tables: TableStats[];
  lostUpdates: LostUpdateCheck[];
  /** Revocation across two instances of each cached variant. */
  revocation: RevocationResult[];
  profiles: ProfileSummary[];
  measurements: Measurement[];
}

/** The repository's root; this file runs from benchmarks/dist/. */
const REPOSITORY = join(__dirname, '..', '..');

/**
 * benchmarks/results/ in the source tree. Only `latest.md` is committed; the JSON and the CPU
 * profiles beside it are ignored by git.
 */
export const RESULTS_DIR = join(__dirname, '..', 'results');

/** A file-name-safe timestamp. */
export function stampOf(time: number): string {
  return new Date(time).toISOString().replace(/[:.]/g, '-');
}

/**
 * Writes the table, `latest.md`, and the whole report as `latest.json` and `<timestamp>.json`, under
 * benchmarks/results/; returns the markdown and the files written, relative to the repository.
 */
export async function writeReport(report: BenchReport): Promise<{ markdown: string; written: string[] }> {
  const markdown = renderMarkdown(report);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files: Array<[string, string]> = [
    ['latest.md', markdown],
    ['latest.json', json],
    [`${stampOf(Date.parse(report.startedAt))}.json`, json],
  ];
  await mkdir(RESULTS_DIR, { recursive: true });
  for (const [name, content] of files) {
    await writeFile(join(RESULTS_DIR, name), content);
  }
  return { markdown, written: files.map(([name]) => relative(REPOSITORY, join(RESULTS_DIR, name))) };
}

const fixed = (value: number | null, digits: number) =>
  value === null || Number.isNaN(value) ? '–' : value.toFixed(digits);
const ratio = (value: number | null) => (value === null ? '–' : `${value.toFixed(2)}×`);
const cpuCell = (s: Summary) =>
  `${fixed(s.cpuPerRequest.app, 0)} + ${fixed(s.cpuPerRequest.database, 0)} + ${fixed(s.cpuPerRequest.loadGenerator, 0)}`;
/** A line under a workload's heading, for the workloads whose table needs one. */
const WORKLOAD_NOTES: Partial<Record<Workload, string>> = {
  plain:
    '`GET /plain` without a cookie, a route that takes no `@Session()` and no guard: its last column is what the ' +
    'module leaves of the app without it, on the same platform (target ≥ 0.97×).',
  rare:
    '`GET /read` with a session drawn at random from a pool larger than the cache: most requests are misses, as in ' +
    'real traffic.',
};
const metMark = (met: boolean | null) => (met === null ? 'not measured' : met ? '**met**' : '**not met**');

export function renderMarkdown(report: BenchReport): string {
  const { options, machine } = report;
  const lines: string[] = [];
  lines.push(
    `## Benchmark results`,
    '',
    `${report.startedAt}, \`${report.command}\`, took ${formatDuration(report.seconds)}. ` +
      `${options.rounds} round(s) × ${options.duration} s per measurement, variants alternating within each round; ` +
      `autocannon with ${options.connections} connections in its own process, rotating over ${options.sessions} ` +
      `logged-in sessions per variant. Figures are medians over the rounds.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; ` +
      `${machine.postgres}; commit ${machine.commit}. The apps, autocannon and PostgreSQL share these cores. ` +
      `CPU busy before the start: ${machine.busyBeforeStart === null ? 'unknown' : `${(machine.busyBeforeStart * 100).toFixed(0)}%`}; ` +
      `load average at start ${machine.loadAverage.join(', ')}, at end ${report.loadAverageAtEnd.join(', ')}.`,
    '',
    ...(report.redis ? [`Redis: ${report.redis}; they share the cores too.`, ''] : []),
  );
  const problems = [...report.problems, ...cacheProblems(report.summaries)];
  if (problems.length > 0) {
    lines.push(...problems.map((problem) => `> **Note:** ${problem}`), '');
  }
  lines.push(...seedingLines(report.seeding));
  for (const workload of options.workloads) {
    lines.push(
      `### ${workload}`,
      '',
      ...(WORKLOAD_NOTES[workload] ? [WORKLOAD_NOTES[workload], ''] : []),
      '| variant | req/s | p50 ms | p99 ms | errors | store cmds/req (sent) | store cmds/req (server) | cache hit rate | CPU µs/req app + store + load | vs peer | ' +
        `${workload === 'plain' ? 'route without session ÷ app without the module' : 'vs none (same platform)'} |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const s of report.summaries.filter((summary) => summary.workload === workload)) {
      lines.push(
        `| ${s.variant} | ${fixed(s.requestsPerSecond, 0)} | ${fixed(s.p50, 2)} | ${fixed(s.p99, 2)} | ${fixed(s.errors, 0)} | ` +
          `${fixed(storeCallsSent(s), 3)} | ${fixed(storeCallsCounted(s), 3)} | ${hitRateCell(s)} | ${cpuCell(s)} | ${ratio(s.vsPeer)} | ${ratio(s.vsNone)} |`,
      );
    }
    lines.push('');
  }
  if (report.targets.length > 0) {
    lines.push('### Targets', '', '| target | variant | measured | |', '| --- | --- | ---: | --- |');
    for (const t of report.targets) {
      lines.push(`| ${t.target} | ${t.variant} | ${t.measured} | ${metMark(t.met)} |`);
    }
    lines.push('');
  }
  lines.push(...revocationLines(report.revocation));
  lines.push(...yardstickLines(report.summaries));
  if (report.pgbench.length > 0) {
    const moduleRead = report.summaries.find((s) => s.workload === 'read' && s.variant === 'nest-sessions');
    const { clients, seconds } = report.pgbench[0];
    lines.push(
      '### Database ceiling (pgbench, same machine)',
      '',
      `\`pgbench -n -c ${clients} -j 2 -T ${seconds} -M <protocol>\` with a script reading random sessions by ID hash ` +
        "(`$1` below); the last column is the nest-sessions read rate over pgbench's.",
      '',
      '| query | protocol | transactions/s | latency avg ms | nest-sessions read / pgbench |',
      '| --- | --- | ---: | ---: | ---: |',
    );
    for (const p of report.pgbench) {
      const share = moduleRead
        ? `${((moduleRead.requestsPerSecond / p.transactionsPerSecond) * 100).toFixed(0)}%`
        : '–';
      lines.push(
        `| ${p.label} | ${p.protocol} | ${fixed(p.transactionsPerSecond, 0)} | ${fixed(p.latencyAverageMs, 3)} | ${share} |`,
      );
    }
    lines.push('', ...[...new Set(report.pgbench.map((p) => `- ${p.label}: \`${p.query}\``))], '');
  }
  if (report.scale) {
    const s = report.scale;
    lines.push(
      '### Cleanup at scale',
      '',
      `${s.rows.toLocaleString('en')} rows in \`sessions\`, ${s.expiredRows.toLocaleString('en')} expired ` +
        `(filled in ${s.fillSeconds.toFixed(1)} s). \`SessionCleanupService.run()\` inside the app, batches of ` +
        `${s.cleanup.batchSize}: deleted ${s.cleanup.deleted.toLocaleString('en')} rows (${s.cleanup.outcome}) in ${s.cleanup.seconds.toFixed(1)} s ` +
        `(${fixed(s.cleanup.rowsPerSecond, 0)} rows/s) under the read load; ${s.remainingExpired} expired rows left.`,
      '',
      '| read load | req/s | p50 ms | p99 ms | errors |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const [label, load] of [
      ['before cleanup', s.readBefore],
      ['during cleanup', s.readDuring],
      ['after cleanup', s.readAfter],
    ] as const) {
      lines.push(
        `| ${label} | ${fixed(load.requestsPerSecond, 0)} | ${fixed(load.p50, 2)} | ${fixed(load.p99, 2)} | ` +
          `${load.non2xx + load.errors + load.timeouts} |`,
      );
    }
    lines.push(
      '',
      `p99 during cleanup over p99 without (the lower of before and after): ${s.p99Ratio.toFixed(2)}× (target ≤ 2×).`,
      '',
    );
  }
  const withSql = report.summaries.filter((summary) => summary.sql.length > 0);
  if (withSql.length > 0) {
    lines.push(
      '### SQL each app sent, per request',
      '',
      '| workload | variant | per request | statement |',
      '| --- | --- | ---: | --- |',
    );
    for (const s of withSql) {
      for (const { text, perRequest } of s.sql.filter((entry) => entry.perRequest >= 0.001)) {
        lines.push(`| ${s.workload} | ${s.variant} | ${perRequest.toFixed(3)} | \`${abbreviate(text)}\` |`);
      }
    }
    lines.push('');
  }
  lines.push(...redisCommandLines(report.summaries));
  if (report.tables.length > 0) {
    lines.push(
      '### Session tables after the rounds (pg_stat_user_tables)',
      '',
      '| variant | table | indexes | inserts | updates | HOT updates | deletes |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const t of report.tables) {
      const hot = t.updates === 0 ? '–' : `${t.hotUpdates} (${((t.hotUpdates / t.updates) * 100).toFixed(0)}%)`;
      lines.push(`| ${t.variant} | ${t.table} | ${t.indexes} | ${t.inserts} | ${t.updates} | ${hot} | ${t.deletes} |`);
    }
    lines.push('');
  }
  if (report.lostUpdates.length > 0) {
    lines.push(
      '### Lost updates: concurrent writes of different keys to one session',
      '',
      '| variant | keys written (2xx) | keys found after | lost | failed requests |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const c of report.lostUpdates) {
      lines.push(`| ${c.variant} | ${c.keysWritten} | ${c.keysFound} | ${c.lost} | ${c.failedRequests} |`);
    }
    lines.push(
      '',
      `${report.lostUpdates[0].attempts} attempts per variant, each a new session and ` +
        `${report.lostUpdates[0].keysWritten / report.lostUpdates[0].attempts} concurrent \`POST /mark/:key\`.`,
      '',
    );
  }
  for (const profile of report.profiles) {
    const list = (items: Array<{ name: string; share: number }>) =>
      items.map((item) => `${(item.share * 100).toFixed(1)}% ${item.name}`).join('; ');
    lines.push(
      `### CPU profile: ${profile.workload} on ${profile.variant} (self time, ${(profile.busyMs / 1000).toFixed(1)} s busy)`,
      '',
      `By package: ${list(profile.packages)}.`,
      '',
      `By function: ${list(profile.functions)}.`,
      '',
    );
  }
  lines.push(
    '### How it is measured',
    '',
    '- store cmds/req: per HTTP request the app received, SQL statements on PostgreSQL and Redis commands on Redis; ' +
      '"sent" as the app sent them (counted around `pg` and the Redis clients; a Lua script is one), "server" as the ' +
      "server counted them (PostgreSQL transactions, Redis commands run, a script's included).",
    `- SQL on PostgreSQL: ${machine.sqlCounting}. Each variant has its own ` +
      "database, and a load's transactions are read once that database has been idle for 11 s, since PostgreSQL " +
      'flushes these counters up to 10 s late.',
    '- CPU µs/req: CPU time of the app process + its store (PostgreSQL backends, or every redis-server process of ' +
      'its Redis, replicas included; from /proc) + the load generator, per request the app received. All three share ' +
      'the same cores, so this is what a request costs, where.',
    '- vs peer: over express-session with the usual store of the same back end: connect-pg-simple for the ' +
      'PostgreSQL variants, connect-redis for those on the standalone Redis, connect-redis on the cluster for the cluster.',
    "- vs none: over the app without sessions on the variant's own platform, `none` on Express, `none-fastify` on " +
      'Fastify: what the session library leaves of that app. For `plain` (`GET /plain` without a cookie, a route ' +
      'that uses no session) it is the route without session ÷ the app without the module.',
    ...cacheMeasuredLines(report.summaries, options.workloads.includes('rare') ? options.rareSessions : null),
    ...redisMeasuredLines(report.redis !== null),
    "- Latencies are autocannon's own per-request times, to the microsecond; errors are non-2xx answers, " +
      'connection errors and timeouts.',
    "- The peer's login does not call `regenerate()`: the login load sends no cookie, so there is no old ID to " +
      'replace, and regenerate() would cost it a DELETE (a DEL on Redis). Both variants send one INSERT per login on ' +
      'PostgreSQL.',
    '- `one-query` is not a session library but a yardstick: every route is one prepared statement on a raw pg ' +
      'pool, keyed by the SHA-256 of an unsigned cookie (its write sends the new value without reading first). ' +
      'No session on a database can do less per request, so its read rate bounds what "vs none" can reach here.',
    '',
  );
  return lines.join('\n');
}

/** How the `one-query` yardstick's read compares with `none` and with the module's reads. */
function yardstickLines(summaries: Summary[]): string[] {
  const read = (variant: string) => summaries.find((s) => s.workload === 'read' && s.variant === variant);
  const yardstick = read('one-query');
  if (!yardstick?.vsNone) {
    return [];
  }
  const modules = [...MODULE_VARIANTS, ...CACHED_MODULE_VARIANTS]
    .map(read)
    .filter((s): s is Summary => s !== undefined)
    .map((s) => `${s.variant} ${(s.requestsPerSecond / yardstick.requestsPerSecond).toFixed(2)}×`);
  return [
    `Yardstick for "vs none": \`one-query\` (one prepared statement per request on a raw pg pool, no session ` +
      `logic, Express) read at ${yardstick.vsNone.toFixed(2)}× of none. Reads against it: ${modules.join(', ')}.`,
    '',
  ];
}

/** Long statements cut in the middle, so the table stays readable (latest.json has them whole). */
function abbreviate(sql: string, max = 110): string {
  return sql.length <= max ? sql : `${sql.slice(0, max - 30)} … ${sql.slice(-25)}`;
}

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${seconds.toFixed(0)} s`;
}
