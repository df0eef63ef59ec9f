import { randomBytes } from 'node:crypto';
import { SESSION_DEFAULTS } from '../core/session.constants';

/** What a challenge may be answered for: registering a key, or refreshing the short-lived cookie. */
export type DbscChallengePurpose = 'registration' | 'refresh';

/** A challenge the session issued and has not seen answered. Single use; expires. */
export interface DbscChallenge {
  value: string;
  purpose: DbscChallengePurpose;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** A new challenge: 32 random bytes, base64url (safe inside a structured-field string). */
export function newDbscChallenge(purpose: DbscChallengePurpose, now: number, lifetime: number): DbscChallenge {
  return { value: randomBytes(32).toString('base64url'), purpose, expiresAt: now + lifetime };
}

/** The pending challenges with `added` appended: expired ones dropped, at most the newest few kept. */
export function withDbscChallenge(challenges: DbscChallenge[], added: DbscChallenge, now: number): DbscChallenge[] {
  return [...pending(challenges, now), added].slice(-SESSION_DEFAULTS.dbscMaxChallenges);
}

/**
 * Takes the challenge `value` for `purpose`: the pending challenges without it, or null when it is
 * not pending (never issued, answered already, expired, or issued for the other purpose).
 */
export function consumeDbscChallenge(
  challenges: DbscChallenge[],
  value: string,
  purpose: DbscChallengePurpose,
  now: number,
): DbscChallenge[] | null {
  const live = pending(challenges, now);
  const index = live.findIndex((challenge) => challenge.value === value && challenge.purpose === purpose);
  return index === -1 ? null : live.filter((_, i) => i !== index);
}

function pending(challenges: DbscChallenge[], now: number): DbscChallenge[] {
  return challenges.filter((challenge) => challenge.expiresAt > now);
}
