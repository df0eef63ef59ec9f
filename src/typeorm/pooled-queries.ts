import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SESSION_DEFAULTS } from '../core/session.constants';
import { sendCancelRequest } from './pg-cancel';
import {
  beginBounded,
  CheckedOutClient,
  ignoreConnectionError,
  leavesConnectionUsable,
  type PgClient,
  type PgResult,
} from './pg-connection';

export type { PgResult } from './pg-connection';
import { toStoreError } from './pg-errors';

/** Runs one named statement inside {@link PooledQueries.transaction}. */
export type StatementRunner = <Row = Record<string, unknown>>(
  name: string,
  text: string,
  values: unknown[],
) => Promise<PgResult<Row>>;

interface PgPool {
  connect(callback: (error: Error | undefined, client: PgClient) => void): void;
}

/** How long the caller waits and how it says it stopped: the module's one timeout layer. */
export interface QueryBounds {
  signal?: AbortSignal;
  /** Milliseconds the caller waits; also the server-side bound of the store's transactions. */
  timeout?: number;
}

/** How long a cancel request may take to reach the server; it is best effort. */
const CANCEL_TIMEOUT = 3000;

/** The server-side bound of a transaction when the caller gives none: the module's default `storeTimeout`. */
const DEFAULT_SERVER_TIMEOUT = SESSION_DEFAULTS.storeTimeout;

class QueryAbortedError extends Error {
  constructor() {
    super('The caller stopped waiting for the session query');
  }
}

/**
 * Runs the store's statements on the pool of a TypeORM PostgreSQL `DataSource`, skipping the
 * query runner, as prepared statements: each connection parses and plans a statement once.
 * The caller bounds each call with a signal; when it fires, the statement is cancelled on the
 * server and the connection thrown out of the pool, since a query stuck on a half-open connection
 * would otherwise hold it until the OS gives up.
 */
export class PooledQueries {
  /** Statement names are per connection, so a replaced connection never meets its predecessor's. */
  private readonly connectionNumbers = new WeakMap<PgClient, number>();
  private connections = 0;
  /** Counts the connections found dead; each connection remembers the count when it last worked. */
  private deaths = 0;
  private readonly workedAt = new WeakMap<PgClient, number>();
  private readonly namespace: string;

  /**
   * `table` sets the statements' names apart from another store's on the same pool (another table):
   * a connection refuses a name it prepared with a different text.
   */
  constructor(
    private readonly dataSource: DataSource,
    table = '',
  ) {
    this.namespace = table === '' ? '' : `${createHash('sha256').update(table).digest('hex').slice(0, 8)}_`;
  }

  /** Runs one named statement. */
  query<Row>(name: string, text: string, values: unknown[], bounds: QueryBounds = {}): Promise<PgResult<Row>> {
    return this.withClient(
      (client) => client.query({ name: this.statementName(client, name), text, values }) as Promise<PgResult<Row>>,
      bounds,
    );
  }

  /**
   * Runs `work` in a transaction on one connection, its statements named and prepared like
   * {@link query}'s. When `work` throws, the transaction is rolled back and the connection, still
   * sound, goes back to the pool; the error is rethrown.
   */
  async transaction<R>(work: (statement: StatementRunner) => Promise<R>, bounds: QueryBounds = {}): Promise<R> {
    const outcome = await this.withClient(async (client): Promise<{ value: R } | { error: unknown }> => {
      await client.query({ text: beginBounded(bounds.timeout ?? DEFAULT_SERVER_TIMEOUT) });
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
    }, bounds);
    if ('error' in outcome) {
      throw toStoreError(outcome.error);
    }
    return outcome.value;
  }

  /** Runs `work` on one connection, until it settles or `bounds.signal` says the caller stopped waiting. */
  async withClient<R>(work: (client: PgClient) => Promise<R>, { signal }: QueryBounds = {}): Promise<R> {
    let checkedOut: CheckedOutClient | undefined;
    let timedOut: QueryAbortedError | undefined;
    const pending = this.connect().then((client) => {
      checkedOut = client;
      if (timedOut) {
        checkedOut.release(timedOut);
        throw timedOut;
      }
      return work(client.client);
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject((timedOut = new QueryAbortedError()));
      if (signal?.aborted) {
        onAbort();
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const result = await Promise.race([pending, aborted]);
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
      signal?.removeEventListener('abort', onAbort!);
    }
  }

  /**
   * A connection from the pool, skipping those that sat idle since a connection was found dead: a
   * network that failed silently killed them too, and each would cost a full timeout to find out.
   */
  private async connect(): Promise<CheckedOutClient> {
    for (;;) {
      const checkedOut = await this.checkOut();
      const worked = this.workedAt.get(checkedOut.client);
      if (worked === undefined || worked === this.deaths) {
        return checkedOut;
      }
      this.workedAt.delete(checkedOut.client);
      checkedOut.release(true);
    }
  }

  /**
   * One connection, listened to for errors from the moment the pool hands it over. The pool calls
   * back while it is still reading the packet that finished connecting; a promise resumes only a
   * tick later, and a backend terminated in between (its FATAL message in that same packet) would
   * emit an `error` with no listener, which ends the process.
   */
  private checkOut(): Promise<CheckedOutClient> {
    return new Promise((resolve, reject) => {
      this.pool().connect((error, client) => {
        if (error) {
          reject(error);
          return;
        }
        this.keepErrorsHandled(client);
        resolve(new CheckedOutClient(client));
      });
    });
  }

  /**
   * Gives a connection this store uses a listener for its `error` event for the rest of its life.
   * node-postgres emits one when the server ends the connection (a terminated backend, a restart)
   * while no query runs; the pool listens only while the connection is idle in it, so one caught
   * between hands (being released, being ended) would take the process down. The error itself needs
   * no handling here: the connection's next query fails, and then it is discarded.
   */
  private keepErrorsHandled(client: PgClient): void {
    // Once per connection, however many stores (tables, apps) share the DataSource's pool.
    if (!client.listeners('error').includes(ignoreConnectionError)) {
      client.on('error', ignoreConnectionError);
    }
  }

  /**
   * Closes a connection that timed out or broke. A statement that timed out is also cancelled on
   * the server: closing the socket alone leaves the backend waiting on its lock or executing.
   */
  private discard(checkedOut: CheckedOutClient, error: Error, cancel: boolean): void {
    this.deaths++;
    if (cancel) {
      void sendCancelRequest(checkedOut.client, CANCEL_TIMEOUT);
    }
    checkedOut.release(error);
  }

  private statementName(client: PgClient, name: string): string {
    let number = this.connectionNumbers.get(client);
    if (number === undefined) {
      number = ++this.connections;
      this.connectionNumbers.set(client, number);
    }
    return `nest_sessions_${this.namespace}${name}_${number}`;
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
