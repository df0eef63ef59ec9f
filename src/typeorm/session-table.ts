import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SessionConfigurationError } from '../core/session.errors';
import { SessionEntity } from './session.entity';

/** Where the session table is: options of `TypeOrmSessionStore` and `sessionMigrations()`. */
export interface SessionTableOptions {
  /** The table's name. Default: `SessionEntity`'s table on the DataSource, or `'sessions'`. */
  tableName?: string;
  /**
   * The table's schema. Default: `SessionEntity`'s schema on the DataSource (so the DataSource's
   * own `schema` option is followed), else the DataSource's `schema`, else the connection's
   * `search_path` (usually `public`).
   */
  schema?: string;
}

/** The session table, resolved: its name, schema, quoted path for SQL and change channel. */
export interface SessionTable {
  name: string;
  /** Null: whichever schema the connection's `search_path` finds first. */
  schema: string | null;
  /** The quoted path to write in SQL: `"sessions"` or `"app"."sessions"`. */
  path: string;
  /** Whether this is the unqualified `sessions` table of earlier versions, whose channel and lock keys it keeps. */
  isDefault: boolean;
  /** The `LISTEN/NOTIFY` channel of this table's changes (unquoted): one per table, so tables do not hear each other. */
  channel: string;
}

const DEFAULT_TABLE = 'sessions';
/** PostgreSQL truncates identifiers to 63 bytes: a longer channel name would be a different one. */
const MAX_IDENTIFIER = 63;

/** Resolves where the session table is, from `options`, else from `SessionEntity`'s metadata, else the defaults. */
export function resolveSessionTable(dataSource: DataSource, options: SessionTableOptions = {}): SessionTable {
  const metadata = dataSource.hasMetadata(SessionEntity) ? dataSource.getMetadata(SessionEntity) : undefined;
  const name = options.tableName ?? metadata?.tableName ?? DEFAULT_TABLE;
  const configured = (dataSource.options as { schema?: string }).schema;
  const schema = options.schema ?? metadata?.schema ?? configured ?? null;
  for (const [option, value] of Object.entries({ tableName: name, schema })) {
    if (value !== null && (typeof value !== 'string' || value === '')) {
      throw new SessionConfigurationError(`TypeOrmSessionStore: \`${option}\` must be a non-empty string.`);
    }
  }
  return {
    name,
    schema,
    isDefault: schema === null && name === DEFAULT_TABLE,
    path: schema === null ? quote(name) : `${quote(schema)}.${quote(name)}`,
    channel: channelName(schema, name),
  };
}

/** The channel of the default table keeps the name earlier versions listened on. */
function channelName(schema: string | null, name: string): string {
  if (schema === null && name === DEFAULT_TABLE) {
    return 'nest_sessions_changes';
  }
  const channel = `nest_sessions_changes:${schema ?? ''}.${name}`;
  if (Buffer.byteLength(channel) <= MAX_IDENTIFIER) {
    return channel;
  }
  return `nest_sessions_changes:${createHash('sha256').update(channel).digest('hex').slice(0, 32)}`;
}

/** A PostgreSQL string literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A quoted PostgreSQL identifier. */
export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
