import { constants, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SESSION_DEFAULTS } from '../core/session.constants';

/** The signature algorithms the module offers (ES256 first: what browsers' software keys sign with). */
export const DBSC_ALGORITHMS = ['ES256', 'RS256'] as const;
export type DbscAlgorithm = (typeof DBSC_ALGORITHMS)[number];

/** A DBSC proof JWT whose structure is sound; its signature is not checked yet. */
export interface DbscProof {
  alg: DbscAlgorithm;
  /** The public key the header embeds (registration), or null (refresh). */
  jwk: JsonWebKey | null;
  /** The challenge it answers. */
  jti: string;
  /** The `authorization` claim, if any. */
  authorization: string | null;
  /** `base64url(header).base64url(payload)`: what was signed. */
  signingInput: string;
  signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MIN_RSA_BITS = 2048;

/**
 * Reads a compact JWS as the DBSC draft defines its proof: header `typ` "dbsc+jwt", `alg` ES256 or
 * RS256, a `jwk` (if any) that is a public key of that algorithm, payload `jti` a string. Null for
 * anything else: malformed input is a refusal, never an exception.
 */
export function parseDbscProof(token: string): DbscProof | null {
  if (typeof token !== 'string' || token.length > SESSION_DEFAULTS.dbscMaxProofLength) {
    return null;
  }
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
    return null;
  }
  const header = jsonObject(parts[0]);
  const payload = jsonObject(parts[1]);
  if (header === null || payload === null || header.typ !== 'dbsc+jwt' || !isAlgorithm(header.alg)) {
    return null;
  }
  const jwk = header.jwk === undefined ? null : publicJwkFor(header.alg, header.jwk);
  if ((header.jwk !== undefined && jwk === null) || typeof payload.jti !== 'string' || payload.jti === '') {
    return null;
  }
  const authorization = typeof payload.authorization === 'string' ? payload.authorization : null;
  const signingInput = `${parts[0]}.${parts[1]}`;
  return { alg: header.alg, jwk, jti: payload.jti, authorization, signingInput, signature: decode(parts[2]) };
}

/** Whether the proof's signature verifies under `jwk` (a public key of the proof's algorithm). */
export function verifyDbscSignature(proof: DbscProof, jwk: JsonWebKey): boolean {
  const key = importPublicKey(proof.alg, jwk);
  if (key === null) {
    return false;
  }
  try {
    const input = Buffer.from(proof.signingInput, 'ascii');
    return proof.alg === 'ES256'
      ? verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, proof.signature)
      : verify('sha256', input, { key, padding: constants.RSA_PKCS1_PADDING }, proof.signature);
  } catch {
    return false;
  }
}

/**
 * The public members of `value` when it is a public JWK fit for `alg` (EC P-256, or RSA of 2048
 * bits or more) that node:crypto imports; null otherwise, and for any key with private parts.
 */
export function publicJwkFor(alg: DbscAlgorithm, value: unknown): JsonWebKey | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return null;
  }
  const jwk = value as Record<string, unknown>;
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
    return null;
  }
  const members =
    alg === 'ES256'
      ? jwk.kty === 'EC' && jwk.crv === 'P-256' && { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }
      : jwk.kty === 'RSA' && { kty: 'RSA', n: jwk.n, e: jwk.e };
  if (!members || !Object.values(members).every((member) => typeof member === 'string' && BASE64URL.test(member))) {
    return null;
  }
  const key = importPublicKey(alg, members as JsonWebKey);
  return key === null ? null : (members as JsonWebKey);
}

function importPublicKey(alg: DbscAlgorithm, jwk: JsonWebKey): KeyObject | null {
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    const details = key.asymmetricKeyDetails;
    const fits =
      alg === 'ES256'
        ? key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1'
        : key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS;
    return fits ? key : null;
  } catch {
    return null;
  }
}

function isAlgorithm(value: unknown): value is DbscAlgorithm {
  return DBSC_ALGORITHMS.includes(value as DbscAlgorithm);
}

function jsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decode(part).toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function decode(part: string): Buffer {
  return Buffer.from(part, 'base64url');
}
