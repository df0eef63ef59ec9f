import { generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The algorithms the DBSC draft names that sign (`none` is left out: the sample never offers it). */
export type DbscAlgorithm = 'ES256' | 'RS256';

/** A DBSC proof's JOSE header: `jwk` on registration only. */
export interface DbscJwtHeader {
  alg: string;
  typ: string;
  jwk?: JsonWebKey;
  [other: string]: unknown;
}

/** A DBSC proof's claims: `jti` is the challenge; `authorization` is copied from the registration offer. */
export interface DbscJwtPayload {
  jti?: string;
  authorization?: string;
  [other: string]: unknown;
}

/**
 * A session key pair as the browser keeps one (Chromium's software key provider: P-256 for ES256,
 * 2048-bit RSA for RS256), and the compact JWS proofs it signs with it.
 */
export class DbscKey {
  /** The public key as a JWK (`kty`, `crv`/`x`/`y` or `n`/`e`), never the private parts. */
  readonly publicJwk: JsonWebKey;

  private constructor(
    readonly algorithm: DbscAlgorithm,
    private readonly privateKey: KeyObject,
    publicKey: KeyObject,
  ) {
    this.publicJwk = publicKey.export({ format: 'jwk' });
  }

  static generate(algorithm: DbscAlgorithm): DbscKey {
    const pair =
      algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
    return new DbscKey(algorithm, pair.privateKey, pair.publicKey);
  }

  /** The registration JWT: header `{alg, typ:'dbsc+jwt', jwk}`, payload `{jti, authorization?}`. */
  registrationProof(challenge: string | undefined, authorization?: string): string {
    const payload: DbscJwtPayload =
      authorization === undefined ? { jti: challenge } : { jti: challenge, authorization };
    return this.sign({ alg: this.algorithm, typ: 'dbsc+jwt', jwk: this.publicJwk }, payload);
  }

  /** The refresh JWT: header `{alg, typ:'dbsc+jwt'}` (no `jwk`), payload `{jti}`. */
  refreshProof(challenge: string): string {
    return this.sign({ alg: this.algorithm, typ: 'dbsc+jwt' }, { jti: challenge });
  }

  /** Any header and payload signed with this key's algorithm (for proofs a browser would not send). */
  sign(header: DbscJwtHeader, payload: DbscJwtPayload): string {
    const input = `${base64urlJson(header)}.${base64urlJson(payload)}`;
    const signature =
      this.algorithm === 'ES256'
        ? sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', Buffer.from(input), this.privateKey);
    return `${input}.${signature.toString('base64url')}`;
  }
}

/** An unsecured JWS (`alg: none`, empty signature) with these parts. */
export function unsignedJws(header: DbscJwtHeader, payload: DbscJwtPayload): string {
  return `${base64urlJson(header)}.${base64urlJson(payload)}.`;
}

/** The three parts of a compact JWS, decoded; throws on anything else. */
export function decodeJws(jws: string): {
  header: DbscJwtHeader;
  payload: DbscJwtPayload;
  signingInput: string;
  signature: Buffer;
} {
  const [header, payload, signature, ...rest] = jws.split('.');
  if (signature === undefined || rest.length > 0) {
    throw new SyntaxError('not a compact JWS');
  }
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as DbscJwtHeader,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as DbscJwtPayload,
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
