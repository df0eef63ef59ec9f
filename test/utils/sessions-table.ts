import { Client } from 'pg';
import { hashSessionId, sessionIdOf } from './session-cookie';
import { lockTable } from './table-lock';
import type { SessionRow, StoredSessions } from './stored-sessions';

export type { SessionRow } from './stored-sessions';

const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;
const SELECT_ROWS = `
  SELECT id_hash, handle, tenant, data, user_id, ip, user_agent, lifetime_ms::float8 AS lifetime_ms,
         ${ms('created_at')} AS created_at, ${ms('last_active_at')} AS last_active_at,
         ${ms('expires_at')} AS expires_at, ${ms('absolute_expires_at')} AS absolute_expires_at,
         ${ms('id_issued_at')} AS id_issued_at
  FROM sessions`;

/** Direct access to the `sessions` table of a test database, to check what the app stored. */
export class SessionsTable implements StoredSessions {
  private constructor(
    private readonly client: Client,
    private readonly databaseUrl: string,
  ) {}

  static async connect(databaseUrl: string): Promise<SessionsTable> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    return new SessionsTable(client, databaseUrl);
  }

  /** A SHARE lock on the table, from a connection of its own: writes wait, reads go on. */
  async holdWrites(ms: number): Promise<() => Promise<void>> {
    const lock = await lockTable(this.databaseUrl, 'sessions', 'SHARE');
    let released: Promise<void> | undefined;
    const release = () => (released ??= lock.release());
    const timer = setTimeout(() => void release(), ms);
    return async () => {
      clearTimeout(timer);
      await release();
    };
  }

  /**
   * The row a `sid=...` cookie points at (through the hash of its ID), or undefined.
   * With multi-tenancy, give the tenant the cookie was issued for: it is part of the hash.
   */
  async rowOf(cookie: string, tenant = ''): Promise<SessionRow | undefined> {
    const { rows } = await this.client.query(`${SELECT_ROWS} WHERE id_hash = $1`, [
      hashSessionId(sessionIdOf(cookie), tenant),
    ]);
    return rows.length > 0 ? toSessionRow(rows[0]) : undefined;
  }

  /** The row with this handle (the `id` of `GET /sessions`), or undefined. */
  async rowByHandle(handle: string): Promise<SessionRow | undefined> {
    const { rows } = await this.client.query(`${SELECT_ROWS} WHERE handle = $1`, [handle]);
    return rows.length > 0 ? toSessionRow(rows[0]) : undefined;
  }

  /** The rows whose data has this top-level key (for sessions whose ID changed meanwhile). */
  async rowsWithKey(key: string): Promise<SessionRow[]> {
    const { rows } = await this.client.query(`${SELECT_ROWS} WHERE data ? $1`, [key]);
    return rows.map(toSessionRow);
  }

  async setKeyQuietly(cookie: string, key: string, value: unknown): Promise<void> {
    await this.client.query(
      'UPDATE sessions SET data = data || jsonb_build_object($2::text, $3::jsonb), version = version + 1 WHERE id_hash = $1',
      [hashSessionId(sessionIdOf(cookie)), key, JSON.stringify(value)],
    );
  }

  async setLifetimeQuietly(cookie: string, ms: number): Promise<void> {
    await this.client.query(
      `UPDATE sessions SET lifetime_ms = $2::bigint, expires_at = now() + $2::bigint * interval '1 millisecond',
                           absolute_expires_at = now() + $2::bigint * interval '1 millisecond', version = version + 1
       WHERE id_hash = $1`,
      [hashSessionId(sessionIdOf(cookie)), ms],
    );
  }

  /** Makes PostgreSQL refuse new connections to this database (open ones go on) until the returned function is called. */
  async refuseNewConnections(): Promise<() => Promise<void>> {
    const url = new URL(this.databaseUrl);
    const database = url.pathname.slice(1);
    // PostgreSQL refuses this from a connection to the database itself.
    url.pathname = '/postgres';
    const admin = new Client({ connectionString: url.toString() });
    await admin.connect();
    const allow = (allowed: boolean) => admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${allowed}`);
    try {
      await allow(false);
    } catch (error) {
      await admin.end();
      throw error;
    }
    return async () => {
      await allow(true).finally(() => admin.end());
    };
  }

  async terminateListeners(): Promise<void> {
    await this.client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'nest-sessions-changes' AND datname = current_database()`,
    );
  }

  /** Deletes every session, so a test starts from an empty table. */
  async clear(): Promise<void> {
    await this.client.query('DELETE FROM sessions');
  }

  async count(): Promise<number> {
    const { rows } = await this.client.query<{ count: number }>('SELECT count(*)::int AS count FROM sessions');
    return rows[0].count;
  }

  /** Every row as the text PostgreSQL prints for it, all columns included. */
  async rowsAsText(): Promise<string[]> {
    const { rows } = await this.client.query<{ text: string }>('SELECT s::text AS text FROM sessions s');
    return rows.map((row) => row.text);
  }

  /** Moves a session's activity `ms` into the past, as if its last request was that long ago. */
  async backdateActivity(cookie: string, ms: number, tenant = ''): Promise<void> {
    // As another instance's write would: a new version, announced, so session caches drop their copy.
    await this.client.query(
      `WITH moved AS (
         UPDATE sessions SET last_active_at = last_active_at - $2 * interval '1 millisecond',
                             expires_at = expires_at - $2 * interval '1 millisecond', version = version + 1
         WHERE id_hash = $1 RETURNING handle, version)
       SELECT pg_notify('nest_sessions_changes', handle || ' ' || version) FROM moved`,
      [hashSessionId(sessionIdOf(cookie), tenant), ms],
    );
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

function toSessionRow(row: Record<string, unknown>): SessionRow {
  return {
    idHash: row.id_hash as string,
    handle: row.handle as string,
    tenant: row.tenant as string,
    data: row.data as Record<string, unknown>,
    userId: row.user_id as string | null,
    ip: row.ip as string | null,
    userAgent: row.user_agent as string | null,
    lifetimeMs: row.lifetime_ms as number | null,
    createdAt: row.created_at as number,
    lastActiveAt: row.last_active_at as number,
    expiresAt: row.expires_at as number,
    absoluteExpiresAt: row.absolute_expires_at as number,
    idIssuedAt: row.id_issued_at as number,
  };
}
