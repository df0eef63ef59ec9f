import type { DataSource } from 'typeorm';
import { sendCancelRequest, type CancelTarget } from './pg-cancel';
import { toStoreError } from './pg-errors';

/** The part of a node-postgres pooled client this module uses. */
interface PgClient extends CancelTarget {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<PgResult>;
  release(destroy?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/** What a statement returns. */
export interface PgResult<Row = Record<string, unknown>> {
  rows: Row[];
  rowCount: number | null;
}

/** Runs one named statement inside {@link PooledQueries.transaction}. */
export type StatementRunner = <Row = Record<string, unknown>>(
  name: string,
  text: string,
  values: unknown[],
) => Promise<PgResult<Row>>;

interface PgPool {
  connect(): Promise<PgClient>;
}

class QueryTimeoutError extends Error {
  constructor(timeout: number) {
    super(`The session query did not finish within ${timeout} ms`);
  }
}

/**
 * Runs the store's statements on the pool of a TypeORM PostgreSQL `DataSource`, skipping the
 * query runner, as prepared statements: each connection parses and plans a statement once.
 * Every call is bounded by `timeout`; a connection whose call timed out is thrown out of the pool,
 * since a query stuck on a half-open connection would otherwise hold it until the OS gives up.
 */
export class PooledQueries {
  /** Statement names are per connection, so a replaced connection never meets its predecessor's. */
  private readonly connectionNumbers = new WeakMap<PgClient, number>();
  private connections = 0;
  /** Counts the connections found dead; each connection remembers the count when it last worked. */
  private deaths = 0;
  private readonly workedAt = new WeakMap<PgClient, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly timeout: number,
  ) {}

  /** Runs one named statement. */
  query<Row>(name: string, text: string, values: unknown[]): Promise<PgResult<Row>> {
    return this.withClient(
      (client) => client.query({ name: this.statementName(client, name), text, values }) as Promise<PgResult<Row>>,
    );
  }

  /**
   * Runs `work` in a transaction on one connection, its statements named and prepared like
   * {@link query}'s. When `work` throws, the transaction is rolled back and the connection, still
   * sound, goes back to the pool; the error is rethrown.
   */
  async transaction<R>(work: (statement: StatementRunner) => Promise<R>): Promise<R> {
    const outcome = await this.withClient(async (client): Promise<{ value: R } | { error: unknown }> => {
      await client.query({ text: this.beginBounded });
      try {
        const statement: StatementRunner = <Row>(name: string, text: string, values: unknown[]) =>
          client.query({ name: this.statementName(client, name), text, values }) as Promise<PgResult<Row>>;
        const value = await work(statement);
        await client.query({ text: 'COMMIT' });
        return { value };
      } catch (error) {
        // If the connection is what failed, this throws too, and withClient closes the connection.
        await client.query({ text: 'ROLLBACK' });
        return { error };
      }
    });
    if ('error' in outcome) {
      throw toStoreError(outcome.error);
    }
    return outcome.value;
  }

  /**
   * A transaction the server itself bounds, in one round trip: if this process stops waiting (a
   * timeout, a network gone silent), PostgreSQL still ends the statement, the lock wait and the
   * idle transaction, releasing its locks, instead of holding them until TCP gives up.
   */
  private get beginBounded(): string {
    const ms = Math.ceil(this.timeout);
    return `BEGIN; SET LOCAL statement_timeout = ${ms}; SET LOCAL lock_timeout = ${ms}; SET LOCAL idle_in_transaction_session_timeout = ${ms}`;
  }

  /** Runs `work` on one connection, bounded by the timeout. */
  async withClient<R>(work: (client: PgClient) => Promise<R>): Promise<R> {
    let checkedOut: CheckedOutClient | undefined;
    let timedOut: QueryTimeoutError | undefined;
    const pending = this.connect().then((client) => {
      checkedOut = new CheckedOutClient(client);
      if (timedOut) {
        checkedOut.release(timedOut);
        throw timedOut;
      }
      return work(client);
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject((timedOut = new QueryTimeoutError(this.timeout))), this.timeout);
    });
    try {
      const result = await Promise.race([pending, deadline]);
      if (checkedOut) {
        this.workedAt.set(checkedOut.client, this.deaths);
        checkedOut.release();
      }
      return result;
    } catch (error) {
      pending.catch(() => undefined);
      const connectionFailed = error === timedOut || !leavesConnectionUsable(error);
      if (connectionFailed && checkedOut) {
        this.discard(checkedOut, error as Error, error === timedOut);
      } else {
        // An SQL error: the connection is sound and goes back to the pool.
        checkedOut?.release();
      }
      throw toStoreError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A connection from the pool, skipping those that sat idle since a connection was found dead: a
   * network that failed silently killed them too, and each would cost a full timeout to find out.
   */
  private async connect(): Promise<PgClient> {
    for (;;) {
      const client = await this.pool().connect();
      const worked = this.workedAt.get(client);
      if (worked === undefined || worked === this.deaths) {
        return client;
      }
      this.workedAt.delete(client);
      client.release(true);
    }
  }

  /**
   * Closes a connection that timed out or broke. A statement that timed out is also cancelled on
   * the server: closing the socket alone leaves the backend waiting on its lock or executing.
   */
  private discard(checkedOut: CheckedOutClient, error: Error, cancel: boolean): void {
    this.deaths++;
    if (cancel) {
      void sendCancelRequest(checkedOut.client, this.timeout);
    }
    checkedOut.release(error);
  }

  private statementName(client: PgClient, name: string): string {
    let number = this.connectionNumbers.get(client);
    if (number === undefined) {
      number = ++this.connections;
      this.connectionNumbers.set(client, number);
    }
    return `nest_sessions_${name}_${number}`;
  }

  private pool(): PgPool {
    // TypeORM's PostgresDriver keeps its node-postgres pool as `master` once initialized.
    const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    if (!pool || typeof pool.connect !== 'function') {
      throw new Error('TypeOrmSessionStore needs an initialized PostgreSQL DataSource (type "postgres")');
    }
    return pool;
  }
}

/**
 * A client while this module holds it. The pool listens for connection errors only on idle
 * clients; a checked-out client that loses its connection would otherwise emit an unhandled
 * `error` and take the process down.
 */
class CheckedOutClient {
  private broken?: Error;
  private released = false;
  private readonly onError = (error: Error) => (this.broken = error);

  constructor(readonly client: PgClient) {
    client.on('error', this.onError);
  }

  release(error?: Error): void {
    if (this.released) {
      return;
    }
    this.released = true;
    this.client.off('error', this.onError);
    this.client.release(error ?? this.broken);
  }
}

/**
 * Whether the connection can go back to the pool after this error: yes for an error PostgreSQL
 * reported about the statement (it carries an SQLSTATE code), except those that end the
 * connection itself (class 08, connection exception; 57P01-57P03, the backend was terminated or
 * the server is shutting down), which would otherwise hand the next caller a dead connection.
 */
function leavesConnectionUsable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57P0[123])/.test(code);
}
