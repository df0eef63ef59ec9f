import { SessionConfigurationError } from '../core/session.errors';
import type { SessionStoreCallOptions } from '../store/session-store.interface';
import type { PooledQueries } from './pooled-queries';
import type { SessionTable } from './session-table';

/** Every column the store's statements read or write. */
const COLUMNS = [
  'id_hash',
  'handle',
  'tenant',
  'data',
  'user_id',
  'ip',
  'user_agent',
  'lifetime_ms',
  'created_at',
  'last_active_at',
  'expires_at',
  'absolute_expires_at',
  'previous_id_hash',
  'previous_id_expires_at',
  'id_issued_at',
  'version',
];

// to_regclass resolves the path as the store's statements do (an unqualified name through the
// search_path), and answers null rather than failing when there is no such table.
const TABLE_COLUMNS = `
  SELECT to_regclass($1) IS NOT NULL AS found,
         ARRAY(SELECT attname::text FROM pg_attribute
               WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped) AS columns`;

const SKIP = 'Set `checkStoreOnStart: false` in SessionModule to start without this check.';

/**
 * Fails with a {@link SessionConfigurationError} naming the fix when the session table or one of
 * its columns is missing: without the check the app would start and answer every session write
 * with 503.
 */
export async function checkSessionTable(
  queries: PooledQueries,
  table: SessionTable,
  options: SessionStoreCallOptions,
): Promise<void> {
  const { rows } = await queries.query<{ found: boolean; columns: string[] }>(
    'check_table',
    TABLE_COLUMNS,
    [table.path],
    options,
  );
  const [{ found, columns }] = rows;
  if (!found) {
    throw new SessionConfigurationError(
      `TypeOrmSessionStore: the session table ${table.path} does not exist. Create it: add SESSION_MIGRATIONS ` +
        "(from nest-sessions/typeorm) to your DataSource's `migrations` with `migrationsRun: true`, or add " +
        `SessionEntity to its \`entities\` with \`synchronize: true\` (development only). ${SKIP}`,
    );
  }
  const missing = COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new SessionConfigurationError(
      `TypeOrmSessionStore: the session table ${table.path} lacks the column(s) ${missing.join(', ')}, ` +
        "which this version uses. Run the newest SESSION_MIGRATIONS (in your DataSource's `migrations`, with " +
        '`migrationsRun: true`), or keep SessionEntity in its `entities` with `synchronize: true`. ' +
        SKIP,
    );
  }
}
