import { SESSION_DEFAULTS } from './session.constants';
import type { StoredSession } from '../store/stored-session.interface';

/** The module's two timeouts, in milliseconds. */
export interface SessionTimeouts {
  idleTimeout: number;
  absoluteTimeout: number;
}

/** How long the session may sit idle: its own lifetime (remember-me) or the module's idle timeout. */
export function idleTimeoutOf(record: StoredSession, timeouts: SessionTimeouts): number {
  return record.lifetime ?? timeouts.idleTimeout;
}

/** When the session ends whatever its activity: creation plus the absolute timeout, or now plus its own lifetime. */
export function absoluteExpiryOf(record: StoredSession, now: number, timeouts: SessionTimeouts): number {
  return record.lifetime === null ? record.createdAt + timeouts.absoluteTimeout : now + record.lifetime;
}

/** When the session expires if it is used now: idle timeout from now, never past its absolute expiry. */
export function nextExpiryOf(record: StoredSession, now: number, timeouts: SessionTimeouts): number {
  return Math.min(now + idleTimeoutOf(record, timeouts), record.absoluteExpiresAt);
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
