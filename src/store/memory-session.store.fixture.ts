import type { SessionPatch, StoredSession } from './stored-session.interface';

export const NOW = 1_700_000_000_000;

/** A stored session created at NOW that expires `ttl` ms later. */
export function record(overrides: Partial<StoredSession> = {}, ttl = 1000): StoredSession {
  return {
    handle: 'handle-of-the-session1',
    tenant: '',
    data: { count: 1, nested: { list: [1, 2] } },
    createdAt: NOW,
    lastActiveAt: NOW,
    idIssuedAt: NOW,
    expiresAt: NOW + ttl,
    absoluteExpiresAt: NOW + 10 * ttl,
    lifetime: null,
    userId: null,
    ip: '127.0.0.1',
    userAgent: 'jest',
    ...overrides,
  };
}

export function patchOf(overrides: Partial<SessionPatch> = {}): SessionPatch {
  return { set: {}, unset: [], ...overrides };
}
