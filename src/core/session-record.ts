import { SessionSigner } from './session-signer';
import type { SessionTimeouts } from './expiry';
import type { StoredSession } from '../store/stored-session.interface';

/** The client behind the current request. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** A new, empty session of `tenant` for `client`, as a request starts it at `now`. */
export function newSessionRecord(
  now: number,
  tenant: string,
  client: ClientInfo,
  timeouts: SessionTimeouts,
): StoredSession {
  return {
    handle: SessionSigner.generateHandle(),
    tenant,
    data: {},
    createdAt: now,
    lastActiveAt: now,
    idIssuedAt: now,
    expiresAt: now + timeouts.idleTimeout,
    absoluteExpiresAt: now + timeouts.absoluteTimeout,
    lifetime: null,
    userId: null,
    ip: client.ip,
    userAgent: client.userAgent,
  };
}
