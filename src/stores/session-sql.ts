import type { SessionData, SessionSummary, StoredSession } from '../session-store.interface';

/**
 * The SQL of the PostgreSQL session store. Times cross the wire as epoch milliseconds (float8),
 * which the driver reads as numbers: no date parsing on the hot path.
 */
const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;
const ts = (parameter: string) => `to_timestamp(${parameter}::float8 / 1000)`;

const SUMMARY_COLUMNS = `handle, tenant, user_id, ip, user_agent, ${ms('created_at')} AS created_at,
  ${ms('last_active_at')} AS last_active_at, ${ms('expires_at')} AS expires_at`;

export const SELECT_SESSION = `
  SELECT ${SUMMARY_COLUMNS}, data, ${ms('absolute_expires_at')} AS absolute_expires_at,
         ${ms('id_issued_at')} AS id_issued_at, lifetime_ms::float8 AS lifetime_ms
  FROM sessions WHERE id_hash = $1`;

export const INSERT_SESSION = `
  INSERT INTO sessions (id_hash, handle, tenant, data, created_at, last_active_at, expires_at, absolute_expires_at,
                        id_issued_at, lifetime_ms, user_id, ip, user_agent)
  VALUES ($1, $2, $3, $4::jsonb, ${ts('$5')}, ${ts('$6')}, ${ts('$7')}, ${ts('$8')}, ${ts('$9')}, $10, $11, $12, $13)`;

// One statement: keys are removed then merged in the database, so concurrent patches to
// different keys both survive. A null parameter leaves its column as it is, except where a
// "$N::boolean" flag says the nullable column is being set.
export const PATCH_SESSION = `
  UPDATE sessions SET
    data = (data - $3::text[]) || $4::jsonb,
    id_hash = COALESCE($5, id_hash),
    last_active_at = COALESCE(${ts('$6')}, last_active_at),
    expires_at = COALESCE(${ts('$7')}, expires_at),
    absolute_expires_at = COALESCE(${ts('$8')}, absolute_expires_at),
    lifetime_ms = CASE WHEN $9::boolean THEN $10::bigint ELSE lifetime_ms END,
    user_id = CASE WHEN $11::boolean THEN $12::text ELSE user_id END,
    ip = COALESCE($13, ip),
    user_agent = COALESCE($14, user_agent),
    id_issued_at = COALESCE(${ts('$15')}, id_issued_at)
  WHERE id_hash = $1 AND expires_at > ${ts('$2')}`;

export const LIST_BY_USER = `
  SELECT ${SUMMARY_COLUMNS} FROM sessions
  WHERE user_id = $1 AND tenant = $2 AND expires_at > ${ts('$3')}
  ORDER BY last_active_at DESC`;

export const DESTROY_BY_HANDLE = `
  DELETE FROM sessions WHERE user_id = $1 AND tenant = $2 AND handle = $3 RETURNING ${SUMMARY_COLUMNS}`;

export const DESTROY_BY_USER = `
  DELETE FROM sessions WHERE id_hash IN (
    SELECT id_hash FROM sessions WHERE user_id = $1 AND tenant = $2 AND handle IS DISTINCT FROM $3
    ORDER BY expires_at > ${ts('$5')} DESC, last_active_at DESC OFFSET $4)
  RETURNING ${SUMMARY_COLUMNS}`;

// Under the 'refuse' policy, a login holds this lock (per user and tenant) from counting the user's
// other sessions until its write commits: the next login of that user counts after it.
export const USER_LOCK = `SELECT pg_advisory_xact_lock(hashtext('nest-sessions:user'), hashtext($1::text || E'\\n' || $2::text))`;
export const COUNT_OTHER_SESSIONS = `
  SELECT count(*)::int AS count FROM sessions
  WHERE user_id = $1 AND tenant = $2 AND id_hash <> $3 AND expires_at > ${ts('$4')}`;

// The advisory lock keeps cleanup to one instance at a time; SKIP LOCKED keeps it from waiting
// on rows that live requests are updating. Each batch is its own short transaction.
export const CLEANUP_LOCK = `SELECT pg_try_advisory_xact_lock(hashtext('nest-sessions:cleanup')) AS locked`;
export const DELETE_EXPIRED = `
  DELETE FROM sessions WHERE id_hash IN (
    SELECT id_hash FROM sessions WHERE expires_at <= ${ts('$1')}
    ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`;

export interface SummaryRow {
  handle: string;
  tenant: string;
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  last_active_at: number;
  expires_at: number;
}

export interface SessionRow extends SummaryRow {
  data: SessionData;
  absolute_expires_at: number;
  id_issued_at: number;
  lifetime_ms: number | null;
}

export function toSummary(row: SummaryRow): SessionSummary {
  return {
    handle: row.handle,
    tenant: row.tenant,
    userId: row.user_id,
    createdAt: row.created_at,
    lastActiveAt: row.last_active_at,
    expiresAt: row.expires_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

export function toStoredSession(row: SessionRow): StoredSession {
  return {
    ...toSummary(row),
    data: row.data,
    absoluteExpiresAt: row.absolute_expires_at,
    idIssuedAt: row.id_issued_at,
    lifetime: row.lifetime_ms,
  };
}
