import { SessionStoreUnavailableError, SessionTooLargeError } from '../core/session.errors';
import type { SessionWriteOptions } from './session-store.interface';
import type { SessionPatch, SessionSummary, StoredSession } from './stored-session.interface';

/** What listings and revocations give back of a session. */
export function toSummary(session: StoredSession): SessionSummary {
  const { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent } = session;
  return { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent };
}

/** Refuses a write that comes after its deadline. */
export function assertInTime({ deadline }: SessionWriteOptions): void {
  if (deadline !== undefined && Date.now() > deadline) {
    throw new SessionStoreUnavailableError(
      'The session write came after the app stopped waiting for it; it was not applied',
    );
  }
}

/** Refuses data larger than `maxBytes` as JSON. */
export function assertFits(data: object, { maxBytes }: SessionWriteOptions): void {
  const size = maxBytes === undefined ? 0 : Buffer.byteLength(JSON.stringify(data), 'utf8');
  if (maxBytes !== undefined && size > maxBytes) {
    throw new SessionTooLargeError(size, maxBytes);
  }
}

/** The record fields a patch gives (not its data, nor how it applies). */
export function recordChanges(patch: SessionPatch): Partial<StoredSession> {
  const {
    set: _s,
    unset: _u,
    ifVersion: _v,
    newIdHash: _n,
    ifIdHash: _i,
    idIssuedAt: _a,
    keepPreviousFor: _k,
    ...fields
  } = patch;
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
