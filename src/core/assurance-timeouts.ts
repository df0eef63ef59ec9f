import { HOUR, MINUTE } from './session.constants';
import { SessionConfigurationError } from './session.errors';

/** The timeouts of one assurance level, in milliseconds. */
export interface AssuranceTimeoutProfile {
  /** How long a session at this level lives without activity. */
  idleTimeout: number;
  /** How long it lives at most after its latest proof of identity, whatever the activity. */
  absoluteTimeout: number;
}

/** Timeout profiles by assurance level (the `level` of a proof), for the `assuranceTimeouts` option. */
export type AssuranceTimeouts = Readonly<Record<string, AssuranceTimeoutProfile>>;

/** NIST SP 800-63B-4 at AAL2: reauthenticate after 24 h overall or 1 h without activity. */
export const NIST_AAL2_TIMEOUTS: Readonly<AssuranceTimeoutProfile> = Object.freeze({
  idleTimeout: HOUR,
  absoluteTimeout: 24 * HOUR,
});

/** NIST SP 800-63B-4 at AAL3: reauthenticate after 12 h overall or 15 min without activity. */
export const NIST_AAL3_TIMEOUTS: Readonly<AssuranceTimeoutProfile> = Object.freeze({
  idleTimeout: 15 * MINUTE,
  absoluteTimeout: 12 * HOUR,
});

/** Both NIST profiles keyed by the levels `'aal2'` and `'aal3'`: `assuranceTimeouts: NIST_ASSURANCE_TIMEOUTS`. */
export const NIST_ASSURANCE_TIMEOUTS: AssuranceTimeouts = Object.freeze({
  aal2: NIST_AAL2_TIMEOUTS,
  aal3: NIST_AAL3_TIMEOUTS,
});

/** Validates the `assuranceTimeouts` option into a map (a level named `constructor` finds nothing inherited). */
export function resolveAssuranceTimeouts(
  option: AssuranceTimeouts | undefined,
): ReadonlyMap<string, AssuranceTimeoutProfile> {
  if (option === undefined) {
    return new Map();
  }
  if (option === null || typeof option !== 'object' || Array.isArray(option)) {
    fail(`\`assuranceTimeouts\` must be an object keyed by assurance level, e.g. { aal2: NIST_AAL2_TIMEOUTS }.`);
  }
  return new Map(Object.entries(option).map(([level, profile]) => [level, resolveProfile(level, profile)]));
}

function resolveProfile(level: string, profile: AssuranceTimeoutProfile): AssuranceTimeoutProfile {
  const { idleTimeout, absoluteTimeout } = (profile ?? {}) as Partial<AssuranceTimeoutProfile>;
  for (const [name, value] of Object.entries({ idleTimeout, absoluteTimeout })) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      fail(`\`assuranceTimeouts.${level}.${name}\` must be a positive number of milliseconds; got ${String(value)}.`);
    }
  }
  return { idleTimeout: idleTimeout!, absoluteTimeout: absoluteTimeout! };
}

function fail(message: string): never {
  throw new SessionConfigurationError(`SessionModule: ${message}`);
}
