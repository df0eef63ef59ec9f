import { randomBytes } from 'node:crypto';
import * as fc from 'fast-check';
import { formatEncryptedValue, parseEncryptedValue, sealedSizeBound } from './encrypted-value';
import { SessionCipher, SessionDecryptionError, type SessionDecryptionFailure } from './session-cipher';

const OLD = randomBytes(32);
const NEW = randomBytes(32);
const HANDLE = 'handle-1';

function failure(open: () => unknown): SessionDecryptionFailure | 'opened' {
  try {
    open();
    return 'opened';
  } catch (error) {
    if (error instanceof SessionDecryptionError) {
      return error.reason;
    }
    throw error;
  }
}

describe('SessionCipher', () => {
  const cipher = new SessionCipher([NEW, OLD]);

  it('seals a value as enc1:<key id>:<base64url> that opens to the value, under the current key', () => {
    const sealed = cipher.seal({ card: 'needle-123' }, HANDLE, 'secret');
    expect(sealed).toMatch(/^enc1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('needle');
    expect(parseEncryptedValue(sealed)?.keyId).toBe(SessionCipher.keyIdOf(NEW));
    expect(cipher.open(sealed, HANDLE, 'secret')).toEqual({ value: { card: 'needle-123' }, current: true });
  });

  it('uses a fresh IV for every value: the same value seals differently each time', () => {
    expect(cipher.seal('same', HANDLE, 'k')).not.toBe(cipher.seal('same', HANDLE, 'k'));
  });

  it('names keys by an id that differs per key and is not the key', () => {
    const id = SessionCipher.keyIdOf(NEW);
    expect(id).toHaveLength(8);
    expect(id).not.toBe(SessionCipher.keyIdOf(OLD));
    expect(NEW.toString('base64url')).not.toContain(id);
  });

  it('refuses a value moved to another key or another session (associated data)', () => {
    const sealed = cipher.seal('admin', HANDLE, 'role');
    expect(failure(() => cipher.open(sealed, HANDLE, 'nickname'))).toBe('tampered');
    expect(failure(() => cipher.open(sealed, 'handle-2', 'role'))).toBe('tampered');
  });

  it('refuses a value with any single byte of IV, ciphertext or tag flipped', () => {
    const sealed = cipher.seal({ n: 42 }, HANDLE, 'k');
    const parts = parseEncryptedValue(sealed)!;
    for (let index = 0; index < parts.sealed.length; index += 1) {
      const bytes = Buffer.from(parts.sealed);
      bytes[index] ^= 0x01;
      const tampered = formatEncryptedValue({ keyId: parts.keyId, sealed: bytes });
      expect(failure(() => cipher.open(tampered, HANDLE, 'k'))).toBe('tampered');
    }
    const truncated = formatEncryptedValue({ keyId: parts.keyId, sealed: parts.sealed.subarray(0, 20) });
    expect(failure(() => cipher.open(truncated, HANDLE, 'k'))).toBe('tampered');
  });

  it('refuses a value under a key it does not have', () => {
    const sealed = new SessionCipher([randomBytes(32)]).seal('x', HANDLE, 'k');
    expect(failure(() => cipher.open(sealed, HANDLE, 'k'))).toBe('unknown-key');
  });

  it('refuses plaintext where ciphertext is expected', () => {
    for (const plaintext of ['needle', 42, null, { a: 1 }, ['enc1:'], 'enc1:short:!!']) {
      expect(failure(() => cipher.open(plaintext, HANDLE, 'k'))).toBe('plaintext');
    }
  });

  it('opens values sealed under an older key in the list, as not current (rotation)', () => {
    const sealedUnderOld = new SessionCipher([OLD]).seal([1, 2], HANDLE, 'k');
    expect(cipher.open(sealedUnderOld, HANDLE, 'k')).toEqual({ value: [1, 2], current: false });
    expect(failure(() => new SessionCipher([NEW]).open(sealedUnderOld, HANDLE, 'k'))).toBe('unknown-key');
  });

  it('gives back every JSON value as JSON does, bound to its key and session (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), fc.string({ minLength: 1 }), (value, handle, name) => {
        const sealed = cipher.seal(value, handle, name);
        expect(cipher.open(sealed, handle, name).value).toEqual(JSON.parse(JSON.stringify(value)));
        expect(failure(() => cipher.open(sealed, `${handle}x`, name))).toBe('tampered');
        expect(failure(() => cipher.open(sealed, handle, `${name}x`))).toBe('tampered');
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every sealed session within sealedSizeBound of its plaintext size (property)', () => {
    const data = fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 40,
    });
    fc.assert(
      fc.property(data, (session) => {
        const sealed = Object.fromEntries(Object.entries(session).map(([k, v]) => [k, cipher.seal(v, HANDLE, k)]));
        const size = (value: object) => Buffer.byteLength(JSON.stringify(value), 'utf8');
        expect(size(sealed)).toBeLessThanOrEqual(sealedSizeBound(size(session)));
      }),
      { numRuns: 300 },
    );
    const tiny = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [String.fromCharCode(65 + (i % 26)) + i, 0]));
    const sealedTiny = Object.fromEntries(Object.entries(tiny).map(([k, v]) => [k, cipher.seal(v, HANDLE, k)]));
    expect(JSON.stringify(sealedTiny).length).toBeLessThanOrEqual(sealedSizeBound(JSON.stringify(tiny).length));
  });
});
