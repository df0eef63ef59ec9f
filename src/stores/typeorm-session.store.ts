import type { DataSource } from 'typeorm';
import type { SessionData, SessionPatch, SessionStore, StoredSession } from '../session-store.interface';

const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;
const ts = (parameter: string) => `to_timestamp(${parameter}::float8 / 1000)`;

const SELECT_SESSION = `
  SELECT data, ${ms('created_at')} AS created_at, ${ms('last_active_at')} AS last_active_at,
         ${ms('expires_at')} AS expires_at, ${ms('absolute_expires_at')} AS absolute_expires_at,
         lifetime_ms::float8 AS lifetime_ms, user_id, ip, user_agent
  FROM sessions WHERE id_hash = $1 AND expires_at > ${ts('$2')}`;

const INSERT_SESSION = `
  INSERT INTO sessions (id_hash, data, created_at, last_active_at, expires_at, absolute_expires_at, lifetime_ms, user_id, ip, user_agent)
  VALUES ($1, $2::jsonb, ${ts('$3')}, ${ts('$4')}, ${ts('$5')}, ${ts('$6')}, $7, $8, $9, $10)`;

// One statement: keys are removed then merged in the database, so concurrent patches to
// different keys both survive. A null parameter leaves its column as it is, except where a
// "$N::boolean" flag says the nullable column is being set.
const PATCH_SESSION = `
  UPDATE sessions SET
    data = (data - $3::text[]) || $4::jsonb,
    id_hash = COALESCE($5, id_hash),
    last_active_at = COALESCE(${ts('$6')}, last_active_at),
    expires_at = COALESCE(${ts('$7')}, expires_at),
    absolute_expires_at = COALESCE(${ts('$8')}, absolute_expires_at),
    lifetime_ms = CASE WHEN $9::boolean THEN $10::bigint ELSE lifetime_ms END,
    user_id = CASE WHEN $11::boolean THEN $12::text ELSE user_id END,
    ip = COALESCE($13, ip),
    user_agent = COALESCE($14, user_agent)
  WHERE id_hash = $1 AND expires_at > ${ts('$2')}`;

// The advisory lock keeps cleanup to one instance at a time; SKIP LOCKED keeps it from waiting
// on rows that live requests are updating. Each batch is its own short transaction.
const CLEANUP_LOCK = `SELECT pg_try_advisory_xact_lock(hashtext('nest-sessions:cleanup')) AS locked`;
const DELETE_EXPIRED = `
  DELETE FROM sessions WHERE id_hash IN (
    SELECT id_hash FROM sessions WHERE expires_at <= ${ts('$1')}
    ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`;

interface SessionRow {
  data: SessionData;
  created_at: number;
  last_active_at: number;
  expires_at: number;
  absolute_expires_at: number;
  lifetime_ms: number | null;
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
}

/**
 * The default {@link SessionStore}: the `sessions` table in PostgreSQL, through a TypeORM
 * `DataSource`. Every operation is one SQL statement (cleanup: two, in a transaction).
 */
export class TypeOrmSessionStore implements SessionStore {
  constructor(private readonly dataSource: DataSource) {}

  async get(idHash: string, now: number): Promise<StoredSession | null> {
    const rows: SessionRow[] = await this.dataSource.query(SELECT_SESSION, [idHash, now]);
    return rows.length === 0 ? null : toStoredSession(rows[0]);
  }

  async create(idHash: string, session: StoredSession): Promise<void> {
    await this.dataSource.query(INSERT_SESSION, [
      idHash,
      JSON.stringify(session.data),
      session.createdAt,
      session.lastActiveAt,
      session.expiresAt,
      session.absoluteExpiresAt,
      session.lifetime,
      session.userId,
      session.ip,
      session.userAgent,
    ]);
  }

  async patch(idHash: string, patch: SessionPatch, now: number): Promise<boolean> {
    const result: [unknown[], number] = await this.dataSource.query(PATCH_SESSION, [
      idHash,
      now,
      patch.unset,
      JSON.stringify(patch.set),
      patch.newIdHash ?? null,
      patch.lastActiveAt ?? null,
      patch.expiresAt ?? null,
      patch.absoluteExpiresAt ?? null,
      patch.lifetime !== undefined,
      patch.lifetime ?? null,
      patch.userId !== undefined,
      patch.userId ?? null,
      patch.ip ?? null,
      patch.userAgent ?? null,
    ]);
    return result[1] > 0;
  }

  async destroy(idHash: string): Promise<void> {
    await this.dataSource.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }]: Array<{ locked: boolean }> = await manager.query(CLEANUP_LOCK);
      if (!locked) {
        return 0;
      }
      const result: [unknown[], number] = await manager.query(DELETE_EXPIRED, [now, limit]);
      return result[1];
    });
  }
}

function toStoredSession(row: SessionRow): StoredSession {
  return {
    data: row.data,
    createdAt: row.created_at,
    lastActiveAt: row.last_active_at,
    expiresAt: row.expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    lifetime: row.lifetime_ms,
    userId: row.user_id,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}
