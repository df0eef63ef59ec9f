import type { CancelTarget } from './pg-cancel';

/** The part of a node-postgres pooled client this store uses. */
export interface PgClient extends CancelTarget {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<PgResult>;
  release(destroy?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  listeners(event: 'error'): Array<(...args: unknown[]) => void>;
}

/** What a statement returns. */
export interface PgResult<Row = Record<string, unknown>> {
  rows: Row[];
  rowCount: number | null;
}

/**
 * A client while this module holds it. The pool listens for connection errors only on idle
 * clients; a checked-out client that loses its connection would otherwise emit an unhandled
 * `error` and take the process down.
 */
export class CheckedOutClient {
  private broken?: Error;
  private released = false;
  private readonly onError = (error: Error) => (this.broken = error);

  constructor(readonly client: PgClient) {
    client.on('error', this.onError);
  }

  /** Gives the connection back: to the pool, or, with an error or `true`, out of it. */
  release(error?: Error | boolean): void {
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
export function leavesConnectionUsable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57P0[123])/.test(code);
}

/**
 * A transaction the server itself bounds, in one round trip: if this process stops waiting (a
 * timeout, a network gone silent), PostgreSQL still ends the statement, the lock wait and the
 * idle transaction, releasing its locks, instead of holding them until TCP gives up.
 */
export function beginBounded(timeout: number): string {
  const ms = Math.ceil(timeout);
  return `BEGIN; SET LOCAL statement_timeout = ${ms}; SET LOCAL lock_timeout = ${ms}; SET LOCAL idle_in_transaction_session_timeout = ${ms}`;
}

export function ignoreConnectionError(): void {
  // Reported where it matters: by the query that next fails on this connection.
}
