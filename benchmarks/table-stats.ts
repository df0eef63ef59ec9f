import { withClient } from './database';

/** What PostgreSQL did to a session table over the whole run (pg_stat_user_tables). */
export interface TableStats {
  variant: string;
  table: string;
  inserts: number;
  updates: number;
  /** Updates that changed no indexed column and fit in the page: no index entries written. */
  hotUpdates: number;
  deletes: number;
  indexes: number;
}

/** The stats of the session table (`sessions`, the peer's `session_peer` or the yardstick's `one_query_session`) in `database`. */
export async function tableStats(variant: string, database: string): Promise<TableStats | null> {
  return withClient(async (client) => {
    const { rows } = await client.query<{
      table: string;
      ins: string;
      upd: string;
      hot: string;
      del: string;
      idx: string;
    }>(
      `SELECT relname AS table, n_tup_ins::text AS ins, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot,
              n_tup_del::text AS del,
              (SELECT count(*) FROM pg_index WHERE indrelid = relid)::text AS idx
       FROM pg_stat_user_tables WHERE relname IN ('sessions', 'session_peer', 'one_query_session')`,
    );
    const row = rows[0];
    return row
      ? {
          variant,
          table: row.table,
          inserts: Number(row.ins),
          updates: Number(row.upd),
          hotUpdates: Number(row.hot),
          deletes: Number(row.del),
          indexes: Number(row.idx),
        }
      : null;
  }, database);
}
