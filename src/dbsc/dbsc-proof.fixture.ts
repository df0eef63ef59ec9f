/** Test support: device keys and DBSC proofs signed as a browser signs them (not part of the package). */
import { generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { DbscAlgorithm } from './dbsc-proof';

export interface DeviceKey {
  alg: DbscAlgorithm;
  privateKey: KeyObject;
  publicJwk: JsonWebKey;
}

export function deviceKey(alg: DbscAlgorithm = 'ES256'): DeviceKey {
  const { privateKey, publicKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, privateKey, publicJwk: publicKey.export({ format: 'jwk' }) };
}

export function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A compact JWS over `payload` signed by `key`: header `{alg, typ: 'dbsc+jwt'}` plus the public
 * `jwk` for a registration; `header` overrides or adds members (undefined removes one).
 */
export function signProof(
  key: DeviceKey,
  payload: Record<string, unknown>,
  options: { jwk?: boolean; header?: Record<string, unknown> } = {},
): string {
  const header: Record<string, unknown> = { alg: key.alg, typ: 'dbsc+jwt' };
  if (options.jwk) {
    header.jwk = key.publicJwk;
  }
  Object.assign(header, options.header);
  const input = `${b64(header)}.${b64(payload)}`;
  const signature =
    key.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}
