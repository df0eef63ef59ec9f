import * as fc from 'fast-check';
import { SessionValueError } from './session.errors';
import { assertJsonValue } from './session-json';

/**
 * Fuzzing of the check every session value goes through: for anything at all, either it is accepted
 * and JSON gives it back unchanged, or it is refused with a SessionValueError (which the module
 * answers with 400); never any other error (a 500). fast-check prints the seed of a failure.
 */
/**
 * How many cases a property tries. The time limit is only a safety valve for a starved machine:
 * past it fast-check stops and passes with the cases run so far (it fails if none could run).
 */
const runs = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: 10_000 });

/** Any UTF-16 code unit: NUL, controls, lone surrogates, everything. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const hostileString = fc.string({ unit: anyCodeUnit, maxLength: 30 });
/** Keys a JavaScript object treats specially, and arbitrary ones. */
const hostileKey = fc.oneof(
  hostileString,
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toJSON', 'toString', 'valueOf', 'length', '0', ''),
);

/** Deep equality where numbers compare with `===` (-0 equals 0, as it does for any reader of the value). */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return a === b;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  const keysA = Object.keys(a);
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return (
    keysA.length === Object.keys(b).length &&
    keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameJson(recordA[key], recordB[key]))
  );
}

/** The property itself: accepted and given back unchanged by JSON, or refused with a SessionValueError. */
function expectStoredUnchangedOrRefused(value: unknown): void {
  let accepted = false;
  try {
    assertJsonValue('key', value);
    accepted = true;
  } catch (error) {
    expect(error).toBeInstanceOf(SessionValueError);
  }
  if (accepted) {
    expect(sameJson(JSON.parse(JSON.stringify(value)), value)).toBe(true);
  }
}

/** `leaf` wrapped `depth` times in arrays or objects (built without recursion, whatever the depth). */
function nested(depth: number, container: 'array' | 'object', leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) {
    value = container === 'array' ? [value] : { a: value };
  }
  return value;
}

/** Every object and array inside `value`, `value` included. */
function containersOf(value: unknown, found: object[] = []): object[] {
  if (typeof value === 'object' && value !== null) {
    found.push(value);
    Object.values(value).forEach((child) => containersOf(child, found));
  }
  return found;
}

describe('assertJsonValue under fuzzing', () => {
  it('accepts a value only if JSON gives it back unchanged, and refuses anything else with a SessionValueError', () => {
    const anything = fc.anything({
      key: hostileKey,
      stringUnit: anyCodeUnit,
      maxDepth: 4,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withObjectString: true,
      withSet: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    const oddValues = fc.constantFrom<unknown>(
      undefined,
      Number.NaN,
      -0,
      Number.NEGATIVE_INFINITY,
      () => 1,
      Symbol('s'),
      new Error('e'),
      /re/,
      Promise.resolve(1),
      new WeakMap(),
      Buffer.from('b'),
      Object.create({ inherited: 1 }),
    );
    fc.assert(
      fc.property(fc.oneof(anything, oddValues, fc.array(oddValues, { maxLength: 3 })), (value) =>
        expectStoredUnchangedOrRefused(value),
      ),
      runs(500),
    );
  });

  it('holds for strings with NUL, lone surrogates and any other code unit, as values and as keys', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(hostileString, hostileKey, json, (text, key, other) => {
        expectStoredUnchangedOrRefused(text);
        expectStoredUnchangedOrRefused({ [key]: text, other });
        expectStoredUnchangedOrRefused([other, text]);
      }),
      runs(500),
    );
  });

  it('holds for values nested up to 20,000 deep (refused, not a stack overflow, past the limit)', () => {
    const depth = fc.oneof(
      fc.integer({ min: 1, max: 100 }),
      fc.integer({ min: 100, max: 3000 }),
      fc.integer({ min: 3000, max: 20_000 }),
    );
    const leaf = fc.oneof(
      fc.jsonValue({ maxDepth: 1 }),
      hostileString,
      fc.constantFrom<unknown>(undefined, Number.NaN),
    );
    fc.assert(
      fc.property(depth, fc.constantFrom('array' as const, 'object' as const), leaf, (levels, container, bottom) =>
        expectStoredUnchangedOrRefused(nested(levels, container, bottom)),
      ),
      runs(100),
    );
  });

  it('refuses with a SessionValueError any value that contains itself, wherever the cycle is', () => {
    const root = fc.oneof(
      fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 4 }),
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 4 }),
    );
    fc.assert(
      fc.property(root, fc.nat(), fc.nat(), (value, at, ancestor) => {
        const containers = containersOf(value);
        const holder = containers[at % containers.length] as Record<string, unknown>;
        const target = containersOf(value).filter((container) => containersOf(container).includes(holder));
        holder[Array.isArray(holder) ? String(holder.length) : 'cycle'] = target[ancestor % target.length];
        expect(() => assertJsonValue('key', value)).toThrow(SessionValueError);
      }),
      runs(500),
    );
  });
});
