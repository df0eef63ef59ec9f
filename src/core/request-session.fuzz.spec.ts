import * as fc from 'fast-check';
import { RESERVED_FLASH_KEY, RESERVED_USER_KEY } from './session.constants';
import { SessionError } from './session.errors';
import { record } from './request-session.fixture';
import { RequestSession, type SessionPersistence } from './request-session';
import { SessionSigner } from './session-signer';

/**
 * Fuzzing of session keys: any sequence of `set`/`get`/`has`/`delete` with any key string and any
 * value either works or throws a SessionError (a 4xx), and `get` only ever returns what was set.
 * fast-check prints the seed of a failure.
 */
/**
 * How many cases a property tries. The time limit is only a safety valve for a starved machine:
 * past it fast-check stops and passes with the cases run so far (it fails if none could run).
 */
const runs = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: 10_000 });

/** Any UTF-16 code unit: NUL, controls, lone surrogates, everything. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
/** A few keys that come back often (so operations meet), names objects treat specially, and anything. */
const key = fc.oneof(
  fc.constantFrom('a', 'b', 'visits'),
  fc.constantFrom('', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '0', 'length'),
  fc.constantFrom(RESERVED_USER_KEY, RESERVED_FLASH_KEY, 'a\u0000', '\ud800', 'a\udc00b', '\u0000'),
  fc.string({ unit: anyCodeUnit, maxLength: 12 }),
);
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: anyCodeUnit, maxLength: 12 }),
  fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withNullPrototype: true }),
);

type Operation = { op: 'set'; key: string; value: unknown } | { op: 'get' | 'has' | 'delete'; key: string };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, value }),
  fc.record({ op: fc.constantFrom('get' as const, 'has' as const, 'delete' as const), key }),
);

/** What the store held: a few ordinary keys. */
const storedData = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'visits'), fc.jsonValue({ maxDepth: 2 }), {
  maxKeys: 3,
});

const persistence: SessionPersistence = { save: async () => undefined, reload: async () => undefined };

/** Deep equality where numbers compare with `===` (-0 equals 0, as JSON gives it back). */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return a === b;
  }
  const keysA = Object.keys(a);
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return (
    Array.isArray(a) === Array.isArray(b) &&
    keysA.length === Object.keys(b).length &&
    keysA.every((each) => Object.prototype.hasOwnProperty.call(b, each) && sameJson(recordA[each], recordB[each]))
  );
}

/** Runs `call`; a throw must be a SessionError. Returns whether it succeeded, and its result. */
function attempt<R>(call: () => R): { ok: true; result: R } | { ok: false } {
  try {
    return { ok: true, result: call() };
  } catch (error) {
    expect(error).toBeInstanceOf(SessionError);
    return { ok: false };
  }
}

describe('RequestSession keys under fuzzing', () => {
  it('any key and value: set/get/has/delete work or throw a SessionError, and get returns only what was set', () => {
    fc.assert(
      fc.property(storedData, fc.array(operation, { maxLength: 25 }), (data, operations) => {
        const id = SessionSigner.generateId();
        const session = new RequestSession(id, SessionSigner.hashId(id), record(structuredClone(data)), persistence);
        // The model: what the application's keys hold, as JSON would give it back.
        const model = new Map(Object.entries(data));
        for (const step of operations) {
          if (step.op === 'set') {
            const outcome = attempt(() => session.set(step.key, step.value));
            if (outcome.ok) {
              model.set(step.key, JSON.parse(JSON.stringify(step.value)));
            }
          } else if (step.op === 'delete') {
            if (attempt(() => session.delete(step.key)).ok) {
              model.delete(step.key);
            }
          } else if (step.op === 'has') {
            expect(attempt(() => session.has(step.key))).toEqual({ ok: true, result: model.has(step.key) });
          } else {
            const outcome = attempt(() => session.get(step.key));
            if (outcome.ok) {
              const expected = model.get(step.key);
              expect(sameJson(outcome.result, expected)).toBe(true);
            }
          }
        }
        expect(new Set(session.keys())).toEqual(new Set(model.keys()));
        expect(sameJson(session.toJSON(), Object.fromEntries(model))).toBe(true);
      }),
      runs(300),
    );
  });
});
