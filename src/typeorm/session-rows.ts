import type { SessionData, SessionSummary, StoredSession } from '../store/stored-session.interface';

/**
 * What a write statement answers: whether the session was live, the write in time, the session at
 * the version the write expected (patches), its data size, and its ID hash after the write (null:
 * nothing written).
 */
export interface WriteVerdictRow {
  live: boolean;
  in_time: boolean;
  current?: boolean;
  size: number;
  id_hash: string | null;
}

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
  version: number;
  /** Only from SELECT_SESSION: set when the session was found by the ID a renewal replaced. */
  previous_id_until?: number | null;
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
    version: row.version,
    ...(row.previous_id_until != null && { previousIdUntil: row.previous_id_until }),
  };
}
