import type { DataSource } from 'typeorm';
import type { ExportedSession } from '../store/copy-sessions';
import { toExportedSession, type ExpressSessionMapping, type ExpressSessionRow } from './express-session-mapping';

/** Options of {@link exportExpressSessions}. */
export interface ExportExpressSessionsOptions extends ExpressSessionMapping {
  /** connect-pg-simple's `tableName`. Default `'session'`. */
  tableName?: string;
  /** connect-pg-simple's `schemaName`. Default: the connection's search path. */
  schemaName?: string;
  /** Rows per batch. Default 1000. */
  batchSize?: number;
  /** Only sessions live at this time (epoch ms). Default: now. */
  now?: number;
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The live sessions of connect-pg-simple's table, in batches (keyset pages by `sid`), as sessions
 * of this module under the hash of their express-session ID: the source of `copySessions` when
 * moving from express-session. With `legacyCookie` on, the old cookies then find them.
 *
 * ```ts
 * await copySessions(
 *   exportExpressSessions(dataSource, { mapUser: (sess) => usersById.get(sess.passport?.user) ?? null }),
 *   new TypeOrmSessionStore(dataSource),
 * );
 * ```
 */
export async function* exportExpressSessions(
  dataSource: DataSource,
  options: ExportExpressSessionsOptions = {},
): AsyncGenerator<ExportedSession[]> {
  const { tableName = 'session', schemaName, batchSize = 1000, now = Date.now() } = options;
  const table = schemaName === undefined ? quoted(tableName) : `${quoted(schemaName)}.${quoted(tableName)}`;
  // `expire` is a timestamp without time zone that connect-pg-simple writes from `to_timestamp()`,
  // so it is read back through the same session time zone.
  const query = `SELECT sid, sess, round(date_part('epoch', expire::timestamptz) * 1000)::float8 AS expire
    FROM ${table} WHERE sid > $1 AND expire::timestamptz > to_timestamp($2::float8 / 1000)
    ORDER BY sid LIMIT $3`;
  let after = '';
  for (;;) {
    const rows = (await dataSource.query(query, [after, now, batchSize])) as Array<
      Omit<ExpressSessionRow, 'sess'> & { sess: ExpressSessionRow['sess'] | string }
    >;
    if (rows.length === 0) {
      return;
    }
    // The `json` column arrives parsed from pg; a text column holding JSON does not.
    const parsed = rows.map((row) => ({
      ...row,
      sess: typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess,
    }));
    yield await Promise.all(parsed.map((row) => toExportedSession(row as ExpressSessionRow, options, now)));
    after = rows[rows.length - 1].sid;
  }
}
