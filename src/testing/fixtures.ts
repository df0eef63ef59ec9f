import { randomBytes } from 'node:crypto';
import type { SessionPatch, SessionSummary, StoredSession } from '../store/stored-session.interface';

/** A fixed clock, with milliseconds, so round trips show that no precision is lost. */
export const NOW = Date.UTC(2030, 0, 15, 12, 30, 45, 123);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A random ID hash, as the module would store it (hex SHA-256). */
export const randomIdHash = (): string => randomBytes(32).toString('hex');

/** A random handle, as the module makes them (22 characters of base64url). */
export const randomHandle = (): string => randomBytes(16).toString('base64url');

/** A live session at {@link NOW} with a fresh handle, with the given fields replaced. */
export function storedSession(overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    handle: randomHandle(),
    tenant: '',
    data: {},
    createdAt: NOW - HOUR,
    lastActiveAt: NOW - MINUTE,
    idIssuedAt: NOW - HOUR,
    expiresAt: NOW + HOUR,
    absoluteExpiresAt: NOW + DAY,
    lifetime: null,
    userId: null,
    ip: null,
    userAgent: null,
    ...overrides,
  };
}

/** What listings and revocations give back about a stored session: no data, no ID hash. */
export function summaryOf(session: StoredSession): SessionSummary {
  const { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent } = session;
  return { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent };
}

/** A patch with nothing to set or unset, plus `patch`. */
export const patchOf = (patch: Partial<SessionPatch>): SessionPatch => ({ set: {}, unset: [], ...patch });
