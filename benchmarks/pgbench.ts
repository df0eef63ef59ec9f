import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { databaseUrl, withClient } from './database';
import { GENERATED_ID_HASH, insertGeneratedSessions } from './session-rows';

const run = promisify(execFile);
const PGBENCH_ROWS = 10_000;

/** The database's own ceiling for a session read, as pgbench measures it. */
export interface PgbenchResult {
  /** What the script reads. */
  label: string;
  /** pgbench's query protocol: `extended` is what node-postgres sends (unnamed statements), `prepared` reuses them. */
  protocol: 'extended' | 'prepared';
  clients: number;
  seconds: number;
  transactionsPerSecond: number;
  latencyAverageMs: number;
  query: string;
}

/** Environment for libpq from a postgres:// URL. */
function libpqEnvironment(url: string): NodeJS.ProcessEnv {
  const parsed = new URL(url);
  return {
    ...process.env,
    PGHOST: parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username) || 'postgres',
    PGPASSWORD: decodeURIComponent(parsed.password) || undefined,
    PGDATABASE: parsed.pathname.slice(1),
  };
}

/** A session read to run in pgbench: `$1` stands for the ID hash. */
export interface PgbenchQuery {
  label: string;
  sql: string;
}

/** The simplest session read: the row's data by its ID hash. */
export const DATA_BY_ID_HASH: PgbenchQuery = {
  label: 'data by id_hash',
  sql: 'SELECT data FROM sessions WHERE id_hash = $1',
};

/**
 * `pgbench -n -c <clients> -j 2 -T <seconds>` with a script per query, each reading random
 * sessions by ID hash, on `database` (which must hold this module's `sessions` table with at
 * least one session), with the extended protocol and with prepared statements.
 */
export async function measureDatabaseCeiling(
  database: string,
  queries: PgbenchQuery[],
  clients: number,
  seconds: number,
): Promise<PgbenchResult[]> {
  await withClient(async (client) => {
    await insertGeneratedSessions(client, PGBENCH_ROWS, 0);
    await client.query('ANALYZE sessions');
  }, database);
  const folder = await mkdtemp(join(tmpdir(), 'nest-sessions-pgbench-'));
  try {
    const results: PgbenchResult[] = [];
    for (const [index, { label, sql }] of queries.entries()) {
      const query = `${sql.replace(/\$1\b/g, GENERATED_ID_HASH(':n'))};`;
      const script = join(folder, `query-${index}.sql`);
      await writeFile(script, `\\set n random(1, ${PGBENCH_ROWS})\n${query}\n`);
      for (const protocol of ['extended', 'prepared'] as const) {
        const args = ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), '-M', protocol, '-f', script];
        const { stdout } = await run('pgbench', args, {
          env: libpqEnvironment(databaseUrl(database)),
          timeout: (seconds + 60) * 1000,
        });
        results.push({
          label,
          protocol,
          clients,
          seconds,
          transactionsPerSecond: figure(stdout, /tps = ([\d.]+)/),
          latencyAverageMs: figure(stdout, /latency average = ([\d.]+) ms/),
          query: sql,
        });
      }
    }
    return results;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function figure(output: string, pattern: RegExp): number {
  const match = pattern.exec(output);
  if (!match) {
    throw new Error(`pgbench printed no ${pattern.source}:\n${output}`);
  }
  return Number(match[1]);
}
