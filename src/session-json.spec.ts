import * as fc from 'fast-check';
import { SessionValueError } from './session.errors';
import { assertJsonValue } from './session-json';

/** The error `assertJsonValue(key, value)` throws; fails the test when it throws nothing else. */
function rejectionOf(key: string, value: unknown): SessionValueError {
  try {
    assertJsonValue(key, value);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionValueError);
    return error as SessionValueError;
  }
  throw new Error(`assertJsonValue accepted ${String(value)}`);
}

/** Deep equality where numbers compare with `===` (so -0 equals 0, as it does for any reader of the value). */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return a === b;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameJson(recordA[key], recordB[key]))
  );
}

class Cart {
  items: string[] = [];
}

describe('assertJsonValue', () => {
  describe('accepts what JSON gives back unchanged', () => {
    const nullPrototype = Object.create(null) as Record<string, unknown>;
    nullPrototype.count = 1;

    it.each<[string, unknown]>([
      ['a string', 'hello'],
      ['an empty string', ''],
      ['an integer', 42],
      ['a negative float', -3.5],
      ['the largest number', Number.MAX_VALUE],
      ['true', true],
      ['false', false],
      ['null', null],
      ['an empty object', {}],
      ['an empty array', []],
      [
        'a nested structure',
        { user: { name: 'Ada', tags: ['a', 'b'], address: { zip: null } }, list: [1, [2, [3, { deep: true }]]] },
      ],
      ['an object without prototype', nullPrototype],
      [
        'the same object twice (not a cycle)',
        (() => {
          const shared = { x: 1 };
          return { a: shared, b: shared, list: [shared, shared] };
        })(),
      ],
    ])('%s', (_label, value) => {
      expect(() => assertJsonValue('key', value)).not.toThrow();
    });
  });

  describe('rejects, naming the key and what is wrong', () => {
    it.each<[string, unknown, RegExp]>([
      ['a function', () => 1, /the value is a function/],
      ['a symbol', Symbol('s'), /the value is a symbol/],
      ['undefined', undefined, /the value is undefined/],
      ['a BigInt', BigInt(10), /the value is a BigInt.*store it as a string/],
      ['NaN', Number.NaN, /the value is NaN, which JSON turns into null/],
      ['Infinity', Number.POSITIVE_INFINITY, /the value is Infinity/],
      ['-Infinity', Number.NEGATIVE_INFINITY, /the value is -Infinity/],
      ['a Date', new Date(0), /the value is a Date, not a plain object/],
      ['a Map', new Map([['a', 1]]), /the value is a Map, not a plain object/],
      ['a Set', new Set([1]), /the value is a Set, not a plain object/],
      ['a class instance', new Cart(), /the value is a Cart, not a plain object/],
      ['a RegExp', /x/, /the value is a RegExp/],
      ['a Buffer', Buffer.from('x'), /the value is a Buffer/],
      // eslint-disable-next-line no-sparse-arrays -- the point of the test
      ['a sparse array', [1, , 3], /the value is a sparse array/],
      [
        'an array with a hole at the end',
        (() => {
          const array = [1, 2];
          array.length = 3;
          return array;
        })(),
        /sparse array/,
      ],
    ])('top-level %s', (_label, value, reason) => {
      const error = rejectionOf('cart', value);
      expect(error.key).toBe('cart');
      expect(error.message).toMatch(/^Session key "cart" cannot be stored: /);
      expect(error.message).toMatch(reason);
    });

    it.each<[string, unknown, RegExp]>([
      ['undefined in an object', { a: 1, b: undefined }, /the value at b is undefined/],
      ['undefined in an array', [1, undefined], /the value at \[1\] is undefined/],
      [
        'a function deep inside',
        { user: { profile: { save: () => 1 } } },
        /the value at user\.profile\.save is a function/,
      ],
      ['a symbol in an array in an object', { tags: ['a', Symbol('b')] }, /the value at tags\[1\] is a symbol/],
      ['a BigInt in nested arrays', [[1, [BigInt(2)]]], /the value at \[0\]\[1\]\[0\] is a BigInt/],
      ['NaN in an object', { price: Number.NaN }, /the value at price is NaN/],
      ['Infinity in an array', { scores: [1, Number.POSITIVE_INFINITY] }, /the value at scores\[1\] is Infinity/],
      ['a Date in an object', { since: new Date() }, /the value at since is a Date/],
      ['a Map in an array', [new Map()], /the value at \[0\] is a Map/],
      ['a Set in an object', { ids: new Set() }, /the value at ids is a Set/],
      ['a class instance in an object', { cart: new Cart() }, /the value at cart is a Cart/],
      // eslint-disable-next-line no-sparse-arrays -- the point of the test
      ['a sparse array in an object', { list: [1, , 2] }, /the value at list is a sparse array/],
    ])('nested %s, with its path', (_label, value, reason) => {
      const error = rejectionOf('data', value);
      expect(error.message).toMatch(/^Session key "data" cannot be stored: /);
      expect(error.message).toMatch(reason);
    });

    it('an object that contains itself', () => {
      const cyclic: Record<string, unknown> = { name: 'loop' };
      cyclic.self = cyclic;
      expect(rejectionOf('node', cyclic).message).toMatch(/the value at self refers to itself \(a cycle\)/);
    });

    it('a cycle through an array', () => {
      const list: unknown[] = [1];
      const holder = { list };
      list.push(holder);
      expect(rejectionOf('node', holder).message).toMatch(/the value at list\[1\] refers to itself/);
    });

    it('an array that contains itself', () => {
      const list: unknown[] = [];
      list.push(list);
      expect(rejectionOf('node', list).message).toMatch(/the value at \[0\] refers to itself/);
    });
  });

  describe('properties', () => {
    it('accepts every JSON value, which JSON gives back unchanged', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          expect(() => assertJsonValue('key', value)).not.toThrow();
          expect(sameJson(JSON.parse(JSON.stringify(value)), value)).toBe(true);
        }),
      );
    });

    it('accepts -0, which JSON gives back as the equal number 0', () => {
      expect(() => assertJsonValue('key', { n: -0 })).not.toThrow();
      expect(Object.is(JSON.parse(JSON.stringify(-0)), 0)).toBe(true);
    });

    it('rejects a JSON value once something JSON cannot hold is put inside it', () => {
      const unstorable = fc.constantFrom<unknown>(
        undefined,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        BigInt(1),
        () => 1,
        Symbol('x'),
        new Date(0),
        new Map(),
      );
      fc.assert(
        fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.nat(), unstorable, (items, position, bad) => {
          const list: unknown[] = [...items];
          list.splice(position % (list.length + 1), 0, bad);
          expect(() => assertJsonValue('key', { wrapper: list })).toThrow(SessionValueError);
        }),
      );
    });
  });
});
