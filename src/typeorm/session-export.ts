import type { DataSource } from 'typeorm';
import type { ExportedSession } from '../store/copy-sessions';
import { type SessionRow, toStoredSession } from './session-rows';
import { sessionStatements } from './session-sql';
import { resolveSessionTable, type SessionTableOptions } from './session-table';

/** Options of {@link exportSessions}. */
export interface ExportSessionsOptions extends SessionTableOptions {
  /** Sessions per batch. Default 1000. */
  batchSize?: number;
  /** Only sessions live at this time (epoch ms). Default: now. */
  now?: number;
  /** Only sessions active at or after this time (epoch ms): a second pass after a first copy. */
  activeSince?: number;
}

/**
 * The live sessions of the PostgreSQL store, in batches (keyset pages by handle, so a large table
 * is read without an offset and without holding a transaction open): the source of
 * `copySessions` when moving sessions to another store.
 */
export async function* exportSessions(
  dataSource: DataSource,
  options: ExportSessionsOptions = {},
): AsyncGenerator<ExportedSession[]> {
  const { batchSize = 1000, now = Date.now(), activeSince = null, tableName, schema } = options;
  const { exportSessions: statement } = sessionStatements(resolveSessionTable(dataSource, { tableName, schema }));
  let after = '';
  for (;;) {
    const rows = (await dataSource.query(statement, [after, now, activeSince, batchSize])) as Array<
      SessionRow & { id_hash: string }
    >;
    if (rows.length === 0) {
      return;
    }
    yield rows.map((row) => ({ idHash: row.id_hash, session: toStoredSession(row) }));
    after = rows[rows.length - 1].handle;
  }
}
