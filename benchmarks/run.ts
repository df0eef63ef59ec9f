import { loadavg } from 'node:os';
import { join } from 'node:path';
import { AppHost } from './app-host';
import { BENCH_DATABASE, databaseUrl, dropDatabase, recreateDatabase } from './database';
import { checkLostUpdates, type LostUpdateCheck } from './lost-updates';
import { machineInfo } from './machine';
import { measure, type MeasureContext, type Measurement, profileLoad, warmUp } from './measure';
import { parseOptions, type BenchOptions } from './options';
import { DATA_BY_ID_HASH, measureDatabaseCeiling, type PgbenchQuery, type PgbenchResult } from './pgbench';
import { onInterrupt, stopAllChildren } from './processes';
import { type ProfileSummary, summarizeProfiles } from './profile-summary';
import { CACHE_TTL_MS, CLEANUP_BATCH_SIZE, VARIANTS, type VariantName } from './protocol';
import { openRedisBackends, type RedisBackends } from './redis-backends';
import { RESULTS_DIR, stampOf, writeReport } from './report';
import { measureCleanupAtScale, type ScaleResult } from './scale';
import { measureRevocations, type RevocationResult } from './revocation';
import { seedPool, type SeedCost } from './seed';
import { summarize, type Summary } from './summary';
import { checkTargets } from './targets';
import { type TableStats, tableStats } from './table-stats';
import { TransactionLedger } from './transaction-ledger';
import { BACKEND, isCached, isRedis } from './variant-catalog';

/**
 * `npm run bench`: one NestJS app per variant, each in its own process and database (or Redis key
 * prefix); seeded sessions; rounds of read/write/login loads from autocannon in another process;
 * the lost-updates guard; the database's own ceiling; the cleanup of a big table. Report in
 * benchmarks/results/.
 */
const startedAt = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${line}`);
/** Busier than this before the start, the machine is shared and the figures will say less. */
const BUSY_WARNING = 0.2;

const databaseOf = (variant: VariantName) => `${BENCH_DATABASE}_${variant.replace(/-/g, '_')}`;
const withDatabase = (app: AppHost) => BACKEND[app.variant] === 'postgres';
const withSessions = (app: AppHost) => BACKEND[app.variant] !== 'none';

interface VariantResults {
  measurements: Measurement[];
  seeding: SeedCost[];
  tables: TableStats[];
  lostUpdates: LostUpdateCheck[];
  revocation: RevocationResult[];
  profiles: ProfileSummary[];
}

async function startApps(variants: VariantName[], redis: RedisBackends | null): Promise<AppHost[]> {
  const apps: AppHost[] = [];
  try {
    for (const variant of variants) {
      if (BACKEND[variant] === 'postgres') {
        await recreateDatabase(databaseOf(variant));
      }
      const app = await AppHost.start({
        variant,
        databaseUrl: databaseUrl(databaseOf(variant)),
        redis: redis?.targets.get(variant),
        cleanupInterval: 0,
        cleanupBatchSize: CLEANUP_BATCH_SIZE,
        ...(isCached(variant) ? { cacheTtl: CACHE_TTL_MS } : {}),
      });
      apps.push(app);
      log(`  ${variant} listening on ${app.baseUrl}`);
    }
    return apps;
  } catch (error) {
    await Promise.all(apps.map((app) => app.stop()));
    throw error;
  }
}

async function runRounds(options: BenchOptions, apps: AppHost[], context: MeasureContext): Promise<Measurement[]> {
  if (options.warmup > 0) {
    log(`Warm-up: ${options.warmup} s per variant and workload`);
    for (const app of apps) {
      for (const workload of options.workloads) {
        await warmUp(context, app, workload, options.warmup);
      }
    }
  }
  const measurements: Measurement[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const workload of options.workloads) {
      for (const app of apps) {
        const m = await measure(context, app, workload, options.duration, round);
        measurements.push(m);
        const perRequest = (count: number) => (m.served ? count / m.served : 0).toFixed(3);
        const looked = m.cache ? m.cache.hits + m.cache.misses : 0;
        log(
          `  round ${round} ${workload.padEnd(5)} ${app.variant.padEnd(34)} ${m.load.requestsPerSecond.toFixed(0).padStart(6)} req/s` +
            `  p50 ${m.load.p50.toFixed(2)} ms  p99 ${m.load.p99.toFixed(2)} ms` +
            `  errors ${m.load.non2xx + m.load.errors + m.load.timeouts}` +
            (m.redis
              ? `  Redis commands/req sent ${perRequest(m.redis.sent)}`
              : `  SQL/req ${perRequest(m.statements)}`) +
            (looked > 0 ? `  cache hits ${((m.cache!.hits / looked) * 100).toFixed(1)}%` : ''),
        );
      }
    }
  }
  return measurements;
}

/** Everything that needs the apps of all variants running: seeding, rounds, guard, profiles. */
async function measureVariants(
  options: BenchOptions,
  profileDir: string | undefined,
  redis: RedisBackends | null,
): Promise<VariantResults> {
  log('Starting one app per variant');
  const apps = await startApps(options.variants, redis);
  try {
    const ledger = new TransactionLedger();
    const context: MeasureContext = {
      ledger,
      databases: new Map(apps.filter(withDatabase).map((app) => [app.variant, databaseOf(app.variant)])),
      redis: redis?.probes ?? new Map(),
      cookies: new Map(),
      connections: options.connections,
    };
    const rare = options.workloads.includes('rare') ? options.rareSessions : 0;
    const seeding: SeedCost[] = [];
    for (const app of apps) {
      const { pool, cost } = await seedPool(app, options.sessions, rare);
      context.cookies.set(app.variant, pool);
      if (rare > 0 && withSessions(app)) {
        seeding.push(cost);
        log(`  ${app.variant}: ${cost.sessions} rare sessions in ${cost.seconds.toFixed(1)} s`);
      }
      if (withDatabase(app)) {
        ledger.open(app.variant, databaseOf(app.variant));
      }
    }
    log(`Seeded ${options.sessions} sessions per variant${rare > 0 ? `, and ${rare} more for rare` : ''}`);
    const measurements = await runRounds(options, apps, context);
    if (apps.some(withDatabase)) {
      log('Waiting for PostgreSQL to flush its transaction counters');
      await ledger.close();
    }
    const tables = (
      await Promise.all(apps.filter(withDatabase).map((app) => tableStats(app.variant, databaseOf(app.variant))))
    ).filter((stats): stats is TableStats => stats !== null);
    log('Lost-updates guard');
    const lostUpdates = await Promise.all(apps.filter(withSessions).map(checkLostUpdates));
    const cachedApps = options.revocationTrials > 0 ? apps.filter((app) => isCached(app.variant)) : [];
    const revocation = await measureRevocations(
      cachedApps,
      options.revocationTrials,
      context.cookies,
      options.connections,
      log,
    );
    let profiles: ProfileSummary[] = [];
    if (profileDir) {
      log(`CPU profiles, ${options.duration} s per variant and workload`);
      for (const workload of options.workloads) {
        for (const app of apps) {
          await profileLoad(context, app, workload, options.duration, profileDir);
        }
      }
      profiles = await summarizeProfiles(profileDir);
      log(`  written to ${profileDir}`);
    }
    return { measurements, seeding, tables, lostUpdates, revocation, profiles };
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    return;
  }
  const machine = await machineInfo();
  log(`Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.postgres}`);
  const problems: string[] = [];
  if (machine.busyBeforeStart !== null && machine.busyBeforeStart > BUSY_WARNING) {
    problems.push(
      `The machine was ${(machine.busyBeforeStart * 100).toFixed(0)}% busy before the bench started ` +
        `(load average ${machine.loadAverage.join(', ')}): other work shared the CPU, so the figures are lower and noisier.`,
    );
    log(`WARNING: ${problems[problems.length - 1]}`);
  }
  const databases = [BENCH_DATABASE, ...VARIANTS.filter((v) => BACKEND[v] === 'postgres').map(databaseOf)];
  // Exactly these names, never a pattern: test databases of other runs may share the prefix.
  const dropAll = async () => {
    for (const database of databases) {
      await dropDatabase(database);
    }
  };
  await dropAll();
  onInterrupt(dropAll);
  await recreateDatabase(BENCH_DATABASE);
  const profileDir = options.profile ? join(RESULTS_DIR, 'profiles', stampOf(startedAt)) : undefined;
  // The pgbench ceiling and the cleanup run compare with, and run, the module on PostgreSQL.
  const withModuleOnPostgres = options.variants.includes('nest-sessions');
  let variants: VariantResults;
  let summaries: Summary[];
  let pgbench: PgbenchResult[] = [];
  let scale: ScaleResult | null = null;
  let redis: RedisBackends | null = null;
  try {
    if (options.variants.some(isRedis)) {
      redis = await openRedisBackends(options.variants, log);
      onInterrupt(redis.close);
      log(`Redis: ${redis.description}`);
    }
    variants = await measureVariants(options, profileDir, redis);
    summaries = summarize(variants.measurements);
    if (options.pgbench && withModuleOnPostgres) {
      log('Database ceiling (pgbench)');
      const queries = [DATA_BY_ID_HASH, ...moduleReadQuery(summaries)];
      const { connections, duration } = options;
      pgbench = await measureDatabaseCeiling(databaseOf('nest-sessions'), queries, connections, duration).catch(
        (error: unknown) => (problems.push(`pgbench failed: ${messageOf(error)}`), []),
      );
    }
    if (options.scaleRows > 0 && withModuleOnPostgres) {
      log(`Cleanup at scale: ${options.scaleRows} rows`);
      const { sessions, connections, duration } = options;
      scale = await measureCleanupAtScale({ rows: options.scaleRows, sessions, connections, duration }, log).catch(
        (error: unknown) => (problems.push(`The cleanup benchmark failed: ${messageOf(error)}`), null),
      );
    }
  } finally {
    await redis?.close().catch((error: unknown) => console.error(error));
    await stopAllChildren();
    await dropAll();
  }
  const { markdown, written } = await writeReport({
    startedAt: new Date(startedAt).toISOString(),
    seconds: (Date.now() - startedAt) / 1000,
    loadAverageAtEnd: loadavg().map((value) => Math.round(value * 100) / 100),
    problems,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    options,
    machine,
    redis: redis?.description ?? null,
    summaries,
    targets: checkTargets(summaries, variants.lostUpdates, variants.revocation, scale),
    pgbench,
    scale,
    seeding: variants.seeding,
    tables: variants.tables,
    lostUpdates: variants.lostUpdates,
    revocation: variants.revocation,
    profiles: variants.profiles,
    measurements: variants.measurements,
  });
  console.log(`\n${markdown}`);
  console.log(`Written: ${written.join(', ')}.`);
}

/** The statement this module's read workload sends, if it has a single `$1` parameter (the ID hash). */
function moduleReadQuery(summaries: Summary[]): PgbenchQuery[] {
  const read = summaries.find((summary) => summary.workload === 'read' && summary.variant === 'nest-sessions');
  const sql = read?.sql[0]?.text;
  return sql && /\$1\b/.test(sql) && !/\$[2-9]/.test(sql) ? [{ label: 'nest-sessions read statement', sql }] : [];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  await stopAllChildren();
  process.exit(1);
});
