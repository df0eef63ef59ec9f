import * as fc from 'fast-check';
import { SessionSigner } from './session-signer';

const CURRENT = 'current-secret-0123456789-abcdefghijkl';
const OLD = 'old-secret-0123456789-abcdefghijklmnopqr';
const UNKNOWN = 'unknown-secret-0123456789-abcdefghijklm';
const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;

/** Replaces the character at `index` by another base64url character. */
function replaceCharAt(value: string, index: number): string {
  const replacement = value[index] === 'A' ? 'B' : 'A';
  return value.slice(0, index) + replacement + value.slice(index + 1);
}

describe('SessionSigner', () => {
  const signer = new SessionSigner([CURRENT]);

  describe('generateId', () => {
    it('makes 43-character base64url IDs', () => {
      for (let i = 0; i < 20; i++) {
        expect(SessionSigner.generateId()).toMatch(BASE64URL_43);
      }
    });

    it('never repeats an ID', () => {
      const ids = new Set(Array.from({ length: 1000 }, () => SessionSigner.generateId()));
      expect(ids.size).toBe(1000);
    });
  });

  describe('hashId', () => {
    it('is the SHA-256 of the ID in hex, different from the ID', () => {
      const id = SessionSigner.generateId();
      const hash = SessionSigner.hashId(id);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hash).not.toBe(id);
      expect(SessionSigner.hashId(id)).toBe(hash);
      expect(SessionSigner.hashId(SessionSigner.generateId())).not.toBe(hash);
    });

    it('matches the known SHA-256 test vector', () => {
      expect(SessionSigner.hashId('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });
  });

  describe('hashId with a tenant', () => {
    it('differs from the hash without a tenant and between tenants', () => {
      const id = SessionSigner.generateId();
      const acme = SessionSigner.hashId(id, 'acme');
      expect(acme).toMatch(/^[0-9a-f]{64}$/);
      expect(acme).not.toBe(SessionSigner.hashId(id));
      expect(acme).not.toBe(SessionSigner.hashId(id, 'globex'));
      expect(SessionSigner.hashId(id, 'acme')).toBe(acme);
    });

    it('is the plain hash for the empty tenant', () => {
      const id = SessionSigner.generateId();
      expect(SessionSigner.hashId(id, '')).toBe(SessionSigner.hashId(id));
    });

    it('is the SHA-256 of tenant, NUL and ID, so no tenant name can run into the ID', () => {
      expect(SessionSigner.hashId('abc', 'acme')).toBe(
        '3c405f3e109e79de6a3d3ec0390dd97bec2f4c6b5c24f899cdd169d926622883',
      );
      expect(SessionSigner.hashId('cabc', 'acme')).not.toBe(SessionSigner.hashId('abc', 'acmec'));
    });
  });

  describe('generateHandle', () => {
    it('makes 22-character base64url handles', () => {
      for (let i = 0; i < 20; i++) {
        expect(SessionSigner.generateHandle()).toMatch(/^[A-Za-z0-9_-]{22}$/);
      }
    });

    it('never repeats a handle', () => {
      const handles = new Set(Array.from({ length: 1000 }, () => SessionSigner.generateHandle()));
      expect(handles.size).toBe(1000);
    });
  });

  describe('sign and verify', () => {
    it('gives back the ID of a value it signed', () => {
      const id = SessionSigner.generateId();
      const value = signer.sign(id);
      expect(value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      expect(value.startsWith(`${id}.`)).toBe(true);
      expect(signer.verify(value)).toEqual({ id, signedWithOldSecret: false });
    });

    it('rejects a value whose ID was changed', () => {
      const id = SessionSigner.generateId();
      const [, signature] = signer.sign(id).split('.');
      const otherId = SessionSigner.generateId();
      expect(signer.verify(`${otherId}.${signature}`)).toBeNull();
      expect(signer.verify(`${replaceCharAt(id, 0)}.${signature}`)).toBeNull();
      expect(signer.verify(`${replaceCharAt(id, 42)}.${signature}`)).toBeNull();
    });

    it('rejects a value whose signature was changed at any position', () => {
      const id = SessionSigner.generateId();
      const [, signature] = signer.sign(id).split('.');
      for (let index = 0; index < signature.length; index++) {
        expect(signer.verify(`${id}.${replaceCharAt(signature, index)}`)).toBeNull();
      }
    });

    it('rejects every other spelling of the last signature character (its unused bits)', () => {
      const id = SessionSigner.generateId();
      const [, signature] = signer.sign(id).split('.');
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      for (const character of alphabet) {
        const variant = signature.slice(0, 42) + character;
        if (variant !== signature) {
          expect(signer.verify(`${id}.${variant}`)).toBeNull();
        }
      }
    });

    it('rejects a signature made with a secret it does not know', () => {
      const id = SessionSigner.generateId();
      expect(signer.verify(new SessionSigner([UNKNOWN]).sign(id))).toBeNull();
    });

    const id = SessionSigner.generateId();
    const valid = new SessionSigner([CURRENT]).sign(id);
    const [, signature] = valid.split('.');
    it.each<[string, string | undefined]>([
      ['undefined', undefined],
      ['an empty string', ''],
      ['a value without a dot', id + signature],
      ['only the ID', id],
      ['a dot alone', '.'],
      ['an empty signature', `${id}.`],
      ['an empty ID', `.${signature}`],
      ['a too-short ID', `${id.slice(1)}.${signature}`],
      ['a too-long ID', `${id}A.${signature}`],
      ['a too-short signature', `${id}.${signature.slice(1)}`],
      ['a too-long signature', `${id}.${signature}A`],
      ['standard base64 characters', `${id.slice(0, 42)}+.${signature}`],
      ['padding', `${id}.${signature.slice(0, 42)}=`],
      ['a space', ` ${valid}`],
      ['a trailing newline', `${valid}\n`],
      ['a third segment', `${valid}.${signature}`],
      ['a leading segment', `${id}.${valid}`],
      ['a URL-encoded value', encodeURIComponent(`${id}.${signature}`).replace('.', '%2E')],
      ['a very long string', 'A'.repeat(100_000)],
      ['a very long dotted string', `${'A'.repeat(50_000)}.${'A'.repeat(50_000)}`],
    ])('rejects %s', (_label, value) => {
      expect(signer.verify(value)).toBeNull();
    });
  });

  describe('secret rotation', () => {
    const rotated = new SessionSigner([CURRENT, OLD]);

    it('signs with the first secret', () => {
      const id = SessionSigner.generateId();
      expect(rotated.sign(id)).toBe(signer.sign(id));
      expect(rotated.verify(rotated.sign(id))).toEqual({ id, signedWithOldSecret: false });
    });

    it('still verifies a value signed with an older secret, and says so', () => {
      const id = SessionSigner.generateId();
      const signedBefore = new SessionSigner([OLD]).sign(id);
      expect(rotated.verify(signedBefore)).toEqual({ id, signedWithOldSecret: true });
    });

    it('rejects a value once its secret left the list', () => {
      const id = SessionSigner.generateId();
      expect(signer.verify(new SessionSigner([OLD]).sign(id))).toBeNull();
    });

    it('rejects a value signed with a secret not in the list', () => {
      const id = SessionSigner.generateId();
      expect(rotated.verify(new SessionSigner([UNKNOWN]).sign(id))).toBeNull();
    });
  });

  describe('properties', () => {
    const rotated = new SessionSigner([CURRENT, OLD]);

    it('never throws on arbitrary strings and verifies none of them', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 200 }), fc.base64String()),
          (value) => {
            expect(rotated.verify(value)).toBeNull();
          },
        ),
      );
    });

    it('rejects any well-formed value that no known secret signed', () => {
      const base64url43 = fc.stringMatching(BASE64URL_43);
      fc.assert(
        fc.property(base64url43, base64url43, (id, signature) => {
          fc.pre(
            signature !== rotated.sign(id).split('.')[1] &&
              signature !== new SessionSigner([OLD]).sign(id).split('.')[1],
          );
          expect(rotated.verify(`${id}.${signature}`)).toBeNull();
        }),
      );
    });

    it('verifies exactly the values signed with a known secret', () => {
      fc.assert(
        fc.property(fc.stringMatching(BASE64URL_43), fc.constantFrom(CURRENT, OLD, UNKNOWN), (id, secret) => {
          const result = rotated.verify(new SessionSigner([secret]).sign(id));
          if (secret === UNKNOWN) {
            expect(result).toBeNull();
          } else {
            expect(result).toEqual({ id, signedWithOldSecret: secret === OLD });
          }
        }),
      );
    });
  });
});
