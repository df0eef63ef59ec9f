import { parseDbscProof, publicJwkFor, verifyDbscSignature } from './dbsc-proof';
import { b64, deviceKey, signProof } from './dbsc-proof.fixture';

describe('DBSC proofs', () => {
  const es = deviceKey('ES256');
  const rs = deviceKey('RS256');

  describe.each([es, rs])('signed with $alg', (key) => {
    it('parse and verify as a browser signs them: registration (with jwk) and refresh (without)', () => {
      const registration = parseDbscProof(signProof(key, { jti: 'c1', authorization: 'a' }, { jwk: true }));
      expect(registration).toMatchObject({ alg: key.alg, jti: 'c1', authorization: 'a' });
      expect(verifyDbscSignature(registration!, registration!.jwk!)).toBe(true);
      const refresh = parseDbscProof(signProof(key, { jti: 'c2' }));
      expect(refresh).toMatchObject({ jwk: null, jti: 'c2', authorization: null });
      expect(verifyDbscSignature(refresh!, key.publicJwk)).toBe(true);
    });

    it('fail to verify under another key, or with a changed payload', () => {
      const proof = parseDbscProof(signProof(key, { jti: 'c1' }))!;
      expect(verifyDbscSignature(proof, deviceKey(key.alg).publicJwk)).toBe(false);
      const [header, , signature] = signProof(key, { jti: 'c1' }).split('.');
      const forged = parseDbscProof(`${header}.${b64({ jti: 'c2' })}.${signature}`)!;
      expect(forged).not.toBeNull();
      expect(verifyDbscSignature(forged, key.publicJwk)).toBe(false);
    });
  });

  it('store only the public members of a key', () => {
    expect(Object.keys(publicJwkFor('ES256', { ...es.publicJwk, kid: 'x', use: 'sig' })!).sort()).toEqual([
      'crv',
      'kty',
      'x',
      'y',
    ]);
    expect(Object.keys(publicJwkFor('RS256', rs.publicJwk)!).sort()).toEqual(['e', 'kty', 'n']);
  });

  it.each([
    ['typ other than dbsc+jwt', signProof(es, { jti: 'c' }, { jwk: true, header: { typ: 'JWT' } })],
    ['typ missing', signProof(es, { jti: 'c' }, { jwk: true, header: { typ: undefined } })],
    ['alg none', `${b64({ alg: 'none', typ: 'dbsc+jwt', jwk: es.publicJwk })}.${b64({ jti: 'c' })}.`],
    ['alg none with a signature', `${b64({ alg: 'none', typ: 'dbsc+jwt' })}.${b64({ jti: 'c' })}.AAAA`],
    ['alg HS256', signProof(es, { jti: 'c' }, { header: { alg: 'HS256' } })],
    ['ES256 header with an RSA key', signProof(es, { jti: 'c' }, { header: { jwk: rs.publicJwk } })],
    ['RS256 header with an EC key', signProof(rs, { jti: 'c' }, { header: { jwk: es.publicJwk } })],
    ['a private jwk', signProof(es, { jti: 'c' }, { header: { jwk: es.privateKey.export({ format: 'jwk' }) } })],
    ['a jwk on another curve', signProof(es, { jti: 'c' }, { header: { jwk: { ...es.publicJwk, crv: 'P-384' } } })],
    ['a jwk that is a string', signProof(es, { jti: 'c' }, { header: { jwk: 'key' } })],
    ['a jwk off the curve', signProof(es, { jti: 'c' }, { header: { jwk: { ...es.publicJwk, x: es.publicJwk.y } } })],
    ['no jti', signProof(es, { nonce: 'c' })],
    ['an empty jti', signProof(es, { jti: '' })],
    ['a numeric jti', signProof(es, { jti: 12 })],
    ['two parts', `${b64({ alg: 'ES256', typ: 'dbsc+jwt' })}.${b64({ jti: 'c' })}`],
    ['four parts', `${signProof(es, { jti: 'c' })}.AAAA`],
    ['header not JSON', `${Buffer.from('{alg').toString('base64url')}.${b64({ jti: 'c' })}.AAAA`],
    ['header a JSON array', `${b64(['ES256'])}.${b64({ jti: 'c' })}.AAAA`],
    ['payload null', `${b64({ alg: 'ES256', typ: 'dbsc+jwt' })}.${b64(null)}.AAAA`],
    ['standard base64 characters', signProof(es, { jti: 'c' }).replace(/.$/, '+')],
    ['garbage', 'not a jwt at all'],
    ['empty', ''],
    ['huge', 'a'.repeat(100_000)],
  ])('refuse %s without throwing', (_, token) => {
    expect(parseDbscProof(token)).toBeNull();
  });

  it('refuse signatures of the wrong shape without throwing', () => {
    const proof = parseDbscProof(signProof(es, { jti: 'c' }))!;
    expect(verifyDbscSignature({ ...proof, signature: Buffer.alloc(3) }, es.publicJwk)).toBe(false);
    expect(verifyDbscSignature({ ...proof, signature: Buffer.alloc(0) }, es.publicJwk)).toBe(false);
    // A DER signature is not what JWS ES256 uses (raw r||s).
    expect(verifyDbscSignature({ ...proof, alg: 'RS256' }, es.publicJwk)).toBe(false);
    expect(verifyDbscSignature(proof, { kty: 'EC' })).toBe(false);
  });
});
