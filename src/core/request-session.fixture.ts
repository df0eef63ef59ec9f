import { RequestSession, type SessionPersistence } from './request-session';
import { SessionSigner } from './session-signer';
import type { SessionData, StoredSession } from '../store/stored-session.interface';
import type { SessionUser } from './session-user.interface';

export const NOW = 1_700_000_000_000;

export function record(data: SessionData = {}): StoredSession {
  return {
    handle: SessionSigner.generateHandle(),
    tenant: '',
    data,
    createdAt: NOW,
    idIssuedAt: NOW,
    lastActiveAt: NOW,
    expiresAt: NOW + 1000,
    absoluteExpiresAt: NOW + 10_000,
    lifetime: null,
    userId: null,
    ip: null,
    userAgent: null,
  };
}

export function persistence(): jest.Mocked<SessionPersistence> {
  return { save: jest.fn().mockResolvedValue(undefined), reload: jest.fn().mockResolvedValue(undefined) };
}

/** A session as loaded from the store with `data`. */
export function loadedSession(data: SessionData = {}, using = persistence()): RequestSession {
  const id = SessionSigner.generateId();
  return new RequestSession(id, SessionSigner.hashId(id), record(structuredClone(data)), using);
}

export const alice: SessionUser = { id: 'u-alice', roles: ['admin', 'editor'], name: 'Alice' };
