import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { deriveCsrfSecret, isCsrfSecret, issueCsrfToken, verifyCsrfToken } from './csrf-token';

const newSecret = (): string => randomBytes(32).toString('base64url');
const secretArbitrary = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('base64url'));
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('CSRF tokens', () => {
  it('verifies every token issued for the secret, each one different', () => {
    fc.assert(
      fc.property(secretArbitrary, (secret) => {
        const tokens = [issueCsrfToken(secret), issueCsrfToken(secret), issueCsrfToken(secret)];
        expect(new Set(tokens).size).toBe(3);
        expect(tokens.every((token) => verifyCsrfToken(secret, token))).toBe(true);
        expect(tokens.every((token) => /^[A-Za-z0-9_-]{64}$/.test(token))).toBe(true);
      }),
    );
  });

  it('refuses a token with any one character changed', () => {
    fc.assert(
      fc.property(secretArbitrary, fc.nat(63), fc.nat(63), (secret, index, shift) => {
        const token = issueCsrfToken(secret);
        const next = BASE64URL[(BASE64URL.indexOf(token[index]) + 1 + (shift % 63)) % 64];
        const tampered = `${token.slice(0, index)}${next}${token.slice(index + 1)}`;
        expect(verifyCsrfToken(secret, tampered)).toBe(false);
      }),
    );
  });

  it("refuses another secret's token", () => {
    fc.assert(
      fc.property(secretArbitrary, secretArbitrary, (secret, other) => {
        fc.pre(secret !== other);
        expect(verifyCsrfToken(secret, issueCsrfToken(other))).toBe(false);
      }),
    );
  });

  it('never throws on malformed input, and never accepts it', () => {
    const secret = newSecret();
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()), (token) => {
        expect(verifyCsrfToken(secret, token)).toBe(false);
      }),
    );
    const token = issueCsrfToken(secret);
    for (const malformed of [
      token.slice(1),
      `${token}A`,
      `${token.slice(0, -1)}=`,
      `${token.slice(0, -2)}==`,
      '',
      ' ',
    ]) {
      expect(verifyCsrfToken(secret, malformed)).toBe(false);
    }
  });

  it('refuses every token when the secret itself is malformed', () => {
    const token = issueCsrfToken(newSecret());
    fc.assert(
      fc.property(fc.string(), (secret) => {
        expect(() => verifyCsrfToken(secret, token)).not.toThrow();
      }),
    );
    expect(verifyCsrfToken('', token)).toBe(false);
  });

  it('derives the same 32-byte secret from the same session ID, and another from another ID', () => {
    const id = randomBytes(32).toString('base64url');
    expect(deriveCsrfSecret(id)).toBe(deriveCsrfSecret(id));
    expect(isCsrfSecret(deriveCsrfSecret(id))).toBe(true);
    expect(Buffer.from(deriveCsrfSecret(id), 'base64url')).toHaveLength(32);
    expect(deriveCsrfSecret(randomBytes(32).toString('base64url'))).not.toBe(deriveCsrfSecret(id));
  });
});
