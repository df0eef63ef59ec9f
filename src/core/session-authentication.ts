import { SessionValueError } from './session.errors';
import { assertJsonValue } from './session-json';
import { RESERVED_AUTH_KEY } from './session.constants';
import type { SessionData } from '../store/stored-session.interface';

/**
 * How the user just proved who they are, as the app tells `login()` and `reauthenticated()`.
 * `method` defaults to `'password'`; `level` (an assurance level such as `'aal2'`) to none.
 */
export interface AuthenticationProof {
  /** What was checked: `'password'`, `'webauthn'`, `'totp'`, `'sso'`... Default `'password'`. */
  method?: string;
  /** The assurance level the app grants this proof (`'aal1'`, `'aal2'`, `'aal3'`...); selects a timeout profile. */
  level?: string | null;
}

/** The session's latest proof of identity, as `session.authentication` reports it. */
export interface SessionAuthentication {
  /** When the user last proved who they are (login or reauthentication). */
  at: Date;
  /** What they proved it with, e.g. `'password'`. */
  method: string;
  /** The assurance level the app gave that proof, or null. */
  level: string | null;
}

/** The proof as stored under the reserved `__auth` key: plain JSON, so every store keeps it in a key-level patch. */
export interface StoredAuthentication {
  at: number;
  method: string;
  level: string | null;
}

/** The stored form of `proof`, made at `now`; a method or level that is not a non-empty string is refused. */
export function recordProof(proof: AuthenticationProof = {}, now = Date.now()): StoredAuthentication {
  const { method = 'password', level = null } = proof ?? {};
  if (typeof method !== 'string' || method === '') {
    throw new SessionValueError(RESERVED_AUTH_KEY, 'a proof `method` must be a non-empty string');
  }
  if (level !== null && (typeof level !== 'string' || level === '')) {
    throw new SessionValueError(RESERVED_AUTH_KEY, 'a proof `level` must be a non-empty string or null');
  }
  const stored = { at: now, method, level };
  assertJsonValue(RESERVED_AUTH_KEY, stored);
  return stored;
}

/** The stored proof in `data`, or null when there is none (or it is not one this module wrote). */
export function storedProofOf(data: SessionData): StoredAuthentication | null {
  const stored = data[RESERVED_AUTH_KEY] as Partial<StoredAuthentication> | undefined;
  if (!stored || typeof stored !== 'object' || typeof stored.at !== 'number' || typeof stored.method !== 'string') {
    return null;
  }
  return { at: stored.at, method: stored.method, level: typeof stored.level === 'string' ? stored.level : null };
}

/** The proof in `data` as `session.authentication` reports it, or null. */
export function authenticationOf(data: SessionData): SessionAuthentication | null {
  const proof = storedProofOf(data);
  return proof && { ...proof, at: new Date(proof.at) };
}

/** Whether the proof in `data` is at most `maxAge` milliseconds old at `now` (no proof: not fresh). */
export function isProofFresh(data: SessionData, maxAge: number, now = Date.now()): boolean {
  const proof = storedProofOf(data);
  return proof !== null && now - proof.at <= maxAge;
}
