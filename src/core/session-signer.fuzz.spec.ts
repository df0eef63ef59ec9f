import * as fc from 'fast-check';
import { SessionSigner } from './session-signer';

/**
 * Fuzzing of cookie-value verification: whatever a client sends, `verify` answers (never throws),
 * and it accepts exactly the values `sign` made with one of its secrets. fast-check prints the seed
 * and path of a failure; rerun with them (`fc.assert(..., { seed, path })`) to reproduce it.
 */
/**
 * How many cases a property tries. The time limit is only a safety valve for a starved machine:
 * past it fast-check stops and passes with the cases run so far (it fails if none could run).
 */
const runs = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: 10_000 });

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Any UTF-16 code unit: NUL, controls, lone surrogates, everything. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
/** Any Unicode code point, astral ones included (fast-check's own 'binary' unit is far slower). */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code));
/** What a signed value is made of, plus the characters of its near misses (standard base64, padding, spaces). */
const nearMissUnit = fc.constantFrom(...`${BASE64URL}+/=. \t%"`.split(''));

const sessionId = fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 43, maxLength: 43 });
/** Secrets as an app might configure them: 32 characters or more, distinct, the first one signing. */
const secretList = fc.uniqueArray(fc.string({ minLength: 32, maxLength: 48, unit: 'grapheme-ascii' }), {
  minLength: 1,
  maxLength: 3,
});

/** One edit of a string: a character replaced, inserted or removed. */
type Mutation = { kind: 'replace' | 'insert'; at: number; unit: string } | { kind: 'remove'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('replace' as const, 'insert' as const), at: fc.nat(), unit: anyCodeUnit }),
  fc.record({ kind: fc.constantFrom('replace' as const, 'insert' as const), at: fc.nat(), unit: nearMissUnit }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  // The last character of the ID (42) and of the signature (86) carry 2 unused bits: other
  // spellings of the same bytes, which must not verify either.
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.constantFrom(42, 86),
    unit: fc.constantFrom(...BASE64URL),
  }),
);

function mutate(value: string, edit: Mutation): string {
  if (edit.kind === 'insert') {
    const at = edit.at % (value.length + 1);
    return value.slice(0, at) + edit.unit + value.slice(at);
  }
  const at = edit.at % value.length;
  return value.slice(0, at) + (edit.kind === 'replace' ? edit.unit : '') + value.slice(at + 1);
}

/** The values a client can send where a signed value belongs: garbage, near misses, forgeries, real ones. */
function cookieValues(secrets: readonly string[]): fc.Arbitrary<string | undefined> {
  const signedBy = (secret: string) => sessionId.map((id) => new SessionSigner([secret]).sign(id));
  const known = fc.constantFrom(...secrets).chain(signedBy);
  const foreign = fc.string({ minLength: 1, maxLength: 48 }).chain(signedBy);
  const nearMiss = fc.string({ unit: nearMissUnit, minLength: 80, maxLength: 95 });
  return fc.oneof(
    fc.constant(undefined),
    fc.string({ unit: anyCodeUnit, maxLength: 120 }),
    fc.string({ unit: anyCodePoint, maxLength: 120 }),
    nearMiss,
    fc
      .tuple(fc.string({ unit: nearMissUnit, maxLength: 45 }), fc.string({ unit: nearMissUnit, maxLength: 45 }))
      .map(([id, signature]) => `${id}.${signature}`),
    known,
    foreign,
    fc.tuple(known, mutation).map(([value, edit]) => mutate(value, edit)),
  );
}

/** The index of the first secret whose signature of the value's ID is exactly the value, or -1. */
function signingSecretIndex(value: string | undefined, secrets: readonly string[]): number {
  const id = value?.split('.')[0] ?? '';
  if (value === undefined || !ID_SHAPE.test(id)) {
    return -1;
  }
  return secrets.findIndex((secret) => new SessionSigner([secret]).sign(id) === value);
}

describe('SessionSigner under fuzzing', () => {
  it('never throws, and verifies exactly the values signed with one of its secrets', () => {
    fc.assert(
      fc.property(
        secretList.chain((secrets) => fc.tuple(fc.constant(secrets), cookieValues(secrets))),
        ([secrets, value]) => {
          const signer = new SessionSigner(secrets);
          const index = signingSecretIndex(value, secrets);
          const result = signer.verify(value);
          if (index === -1) {
            expect(result).toBeNull();
          } else {
            expect(result).toEqual({ id: value!.split('.')[0], signedWithOldSecret: index > 0 });
          }
        },
      ),
      runs(500),
    );
  });

  it('rejects every single-character edit of a signed value', () => {
    fc.assert(
      fc.property(secretList, sessionId, mutation, (secrets, id, edit) => {
        const signer = new SessionSigner(secrets);
        const signed = signer.sign(id);
        const edited = mutate(signed, edit);
        fc.pre(edited !== signed);
        expect(signer.verify(edited)).toBeNull();
      }),
      runs(1000),
    );
  });

  it('rejects a value signed with a secret once it is rotated out, and accepts it while it is listed', () => {
    fc.assert(
      fc.property(
        secretList.filter((secrets) => secrets.length >= 2),
        sessionId,
        (secrets, id) => {
          const [retired, ...current] = secrets;
          const signedBefore = new SessionSigner([retired]).sign(id);
          expect(new SessionSigner(current).verify(signedBefore)).toBeNull();
          expect(new SessionSigner([...current, retired]).verify(signedBefore)).toEqual({
            id,
            signedWithOldSecret: true,
          });
        },
      ),
      runs(500),
    );
  });
});
