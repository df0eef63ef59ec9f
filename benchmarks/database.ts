import { Client } from 'pg';

/** The PostgreSQL server the bench uses: `DATABASE_URL`, or the local default. */
export const SERVER_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** The bench's main database; each variant's is named after it (see `run.ts`). All are dropped at start and at the end. */
export const BENCH_DATABASE = 'nest_sessions_bench';

/** URL of database `name` on the bench's server. */
export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `work` with a client on database `name` (the server's own database by default). */
export async function withClient<T>(work: (client: Client) => Promise<T>, name?: string): Promise<T> {
  const client = new Client({ connectionString: name === undefined ? SERVER_URL : databaseUrl(name) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function recreateDatabase(name: string): Promise<void> {
  await dropDatabase(name);
  await withClient((client) => client.query(`CREATE DATABASE "${name}"`));
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * Transactions committed or rolled back in database `name`, from `pg_stat_database`. Each statement
 * sent outside an explicit transaction is one. Backends flush these counters at most once a second
 * and, once idle, up to 10 s later: see `TransactionLedger`.
 */
export async function transactionCount(name: string): Promise<number> {
  return withClient(async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = $1`,
      [name],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

/** What the report says about the server. */
export interface ServerInfo {
  version: string;
  sharedPreloadLibraries: string;
  pgStatStatements: boolean;
  maxConnections: number;
}

export async function serverInfo(): Promise<ServerInfo> {
  return withClient(async (client) => {
    const { rows } = await client.query<{ version: string; preload: string; max: string }>(
      `SELECT version() AS version, current_setting('shared_preload_libraries') AS preload,
              current_setting('max_connections') AS max`,
    );
    const { version, preload, max } = rows[0];
    return {
      version,
      sharedPreloadLibraries: preload,
      pgStatStatements: preload.split(',').some((library) => library.trim() === 'pg_stat_statements'),
      maxConnections: Number(max),
    };
  });
}
