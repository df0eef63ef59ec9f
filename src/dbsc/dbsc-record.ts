import type { JsonWebKey } from 'node:crypto';
import { RESERVED_DBSC_KEY } from '../core/session.constants';
import type { SessionData } from '../store/stored-session.interface';
import { DBSC_ALGORITHMS, type DbscAlgorithm } from './dbsc-proof';
import type { DbscChallenge } from './dbsc-challenges';

/** The key a browser registered for a session: what refresh proofs must be signed with. */
export interface DbscBinding {
  /** The DBSC session identifier the browser names in `Sec-Secure-Session-Id` (random, not the session ID). */
  id: string;
  alg: DbscAlgorithm;
  /** The public key, public members only. */
  jwk: JsonWebKey;
}

/** What a session stores under `__dbsc`: its binding (once registered) and its pending challenges. */
export interface DbscRecord {
  binding: DbscBinding | null;
  challenges: DbscChallenge[];
}

const EMPTY: DbscRecord = { binding: null, challenges: [] };

/**
 * The session's DBSC state, read defensively (the store's copy is data like any other): whatever
 * does not have the expected shape counts as absent.
 */
export function dbscRecordOf(data: SessionData): DbscRecord {
  const value = Object.prototype.hasOwnProperty.call(data, RESERVED_DBSC_KEY) ? data[RESERVED_DBSC_KEY] : undefined;
  if (value === null || typeof value !== 'object') {
    return EMPTY;
  }
  const { binding, challenges } = value as Partial<Record<keyof DbscRecord, unknown>>;
  return {
    binding: isBinding(binding) ? binding : null,
    challenges: Array.isArray(challenges) ? challenges.filter(isChallenge) : [],
  };
}

/** The session's binding, or null when it is not device-bound. */
export function dbscBindingOf(data: SessionData): DbscBinding | null {
  return dbscRecordOf(data).binding;
}

function isBinding(value: unknown): value is DbscBinding {
  const binding = value as Partial<DbscBinding> | null;
  return (
    typeof binding === 'object' &&
    binding !== null &&
    typeof binding.id === 'string' &&
    DBSC_ALGORITHMS.includes(binding.alg as DbscAlgorithm) &&
    typeof binding.jwk === 'object' &&
    binding.jwk !== null
  );
}

function isChallenge(value: unknown): value is DbscChallenge {
  const challenge = value as Partial<DbscChallenge> | null;
  return (
    typeof challenge === 'object' &&
    challenge !== null &&
    typeof challenge.value === 'string' &&
    typeof challenge.expiresAt === 'number' &&
    (challenge.purpose === 'registration' || challenge.purpose === 'refresh')
  );
}
