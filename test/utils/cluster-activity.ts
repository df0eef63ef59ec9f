import { Client, Pool } from 'pg';
import { sleep } from './sleep';

/** The `application_name` of the test's own connections, so counts of the app's backends leave them out. */
export const HARNESS_APPLICATION_NAME = 'nest-sessions-fault-harness';

/** Client backends on the app's database that are not the harness's: the connections the app opened. */
const APP_BACKENDS = `
  FROM pg_stat_activity
  WHERE backend_type = 'client backend' AND datname = $1 AND application_name <> $2 AND pid <> pg_backend_pid()`;

/** A running sample of a count: the largest value seen until `stop()`. */
export interface MaxSampler {
  /** Stops sampling and gives the largest count seen. */
  stop(): Promise<number>;
}

/**
 * A connection straight to a {@link ThrowawayPostgres} (not through the app's proxy), to watch the
 * backends the app opened in `pg_stat_activity` and to terminate them, as an operator would. It
 * reconnects by itself after the cluster was stopped and started again.
 */
export class ClusterActivity {
  private constructor(
    private readonly client: Pool,
    private readonly database: string,
  ) {}

  /** Connects to the cluster of `databaseUrl` to watch the backends on that URL's database. */
  static async connect(databaseUrl: string): Promise<ClusterActivity> {
    const pool = new Pool({ connectionString: databaseUrl, application_name: HARNESS_APPLICATION_NAME, max: 1 });
    // An idle connection ended by a stopped cluster is replaced on the next query; nothing to report.
    pool.on('error', () => undefined);
    await pool.query('SELECT 1');
    return new ClusterActivity(pool, new URL(databaseUrl).pathname.slice(1));
  }

  /** How many backends the app has open on its database now. */
  async appBackends(): Promise<number> {
    const { rows } = await this.client.query<{ count: number }>(`SELECT count(*)::int AS count ${APP_BACKENDS}`, [
      this.database,
      HARNESS_APPLICATION_NAME,
    ]);
    return rows[0].count;
  }

  /** How many sessions in the whole cluster sit idle inside a transaction (holding its locks). */
  async idleInTransaction(): Promise<number> {
    const { rows } = await this.client.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM pg_stat_activity WHERE state = 'idle in transaction'`,
    );
    return rows[0].count;
  }

  /** `pg_terminate_backend` on every backend the app has open; returns how many were terminated. */
  async terminateAppBackends(): Promise<number> {
    const { rows } = await this.client.query<{ count: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS count ${APP_BACKENDS}`,
      [this.database, HARNESS_APPLICATION_NAME],
    );
    return rows[0].count;
  }

  /** Counts the app's backends every `everyMs` until stopped, keeping the largest count. */
  sampleMaxAppBackends(everyMs: number): MaxSampler {
    let running = true;
    let max = 0;
    const sampling = (async () => {
      while (running) {
        max = Math.max(max, await this.appBackends());
        await sleep(everyMs);
      }
    })();
    return {
      stop: async () => {
        running = false;
        await sampling;
        return max;
      },
    };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** A pg client that the counts of {@link ClusterActivity} leave out. */
export function harnessClient(databaseUrl: string): Client {
  return new Client({ connectionString: databaseUrl, application_name: HARNESS_APPLICATION_NAME });
}
