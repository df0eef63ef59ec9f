import { SESSION_DEFAULTS } from './session.constants';
import { storedProofOf } from './session-authentication';
import type { StoredSession } from '../store/stored-session.interface';
import type { AssuranceTimeoutProfile } from './assurance-timeouts';

/** The module's two timeouts, in milliseconds. */
export interface SessionTimeouts {
  idleTimeout: number;
  absoluteTimeout: number;
  /** Profiles by assurance level (`assuranceTimeouts` option): they override both for sessions at that level. */
  assuranceTimeouts?: ReadonlyMap<string, AssuranceTimeoutProfile>;
}

/** The timeout profile of the level the session's latest proof carries, if the app configured one. */
function profileOf(record: StoredSession, timeouts: SessionTimeouts): AssuranceTimeoutProfile | undefined {
  const level = timeouts.assuranceTimeouts?.size ? storedProofOf(record.data)?.level : null;
  return level ? timeouts.assuranceTimeouts!.get(level) : undefined;
}

/**
 * How long the session may sit idle: its level's profile (which no remember-me lifetime stretches),
 * else its own lifetime, else the module's idle timeout.
 */
export function idleTimeoutOf(record: StoredSession, timeouts: SessionTimeouts): number {
  return profileOf(record, timeouts)?.idleTimeout ?? record.lifetime ?? timeouts.idleTimeout;
}

/** The latest a session at a profiled level may live: its proof's time plus the profile's absolute timeout. */
function proofExpiryOf(record: StoredSession, timeouts: SessionTimeouts): number {
  const profile = profileOf(record, timeouts);
  return profile ? storedProofOf(record.data)!.at + profile.absoluteTimeout : Infinity;
}

/** When the session ends whatever its activity: creation plus the absolute timeout, or now plus its own lifetime. */
export function absoluteExpiryOf(record: StoredSession, now: number, timeouts: SessionTimeouts): number {
  return record.lifetime === null ? record.createdAt + timeouts.absoluteTimeout : now + record.lifetime;
}

/**
 * When the session expires if it is used now: idle timeout from now, never past its absolute expiry
 * nor, at a profiled level, past its proof's time plus the profile's absolute timeout.
 */
export function nextExpiryOf(record: StoredSession, now: number, timeouts: SessionTimeouts): number {
  const idleExpiry = now + idleTimeoutOf(record, timeouts);
  return Math.min(idleExpiry, record.absoluteExpiresAt, proofExpiryOf(record, timeouts));
}

/**
 * Expiry moves only once a quarter of the idle time has gone by since it last moved: a read-only
 * request of a rolling session then costs no write, and a change no index update.
 */
export function isExtensionDue(record: StoredSession, expiresAt: number, timeouts: SessionTimeouts): boolean {
  return expiresAt - record.expiresAt >= idleTimeoutOf(record, timeouts) * SESSION_DEFAULTS.touchAfterShare;
}

/** Whether the session's ID has lived `renewAfter` and is replaced on this request. */
export function isRenewalDue(record: StoredSession, now: number, renewAfter: number | null): boolean {
  return renewAfter !== null && now - record.idIssuedAt >= renewAfter;
}
