import { assertJsonValue } from './session-json';
import { rejectionOf, Cart, MAX_DEPTH, NESTINGS, nested } from './session-json.fixture';

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
      ['a surrogate pair (an emoji)', '😀 and \ud83d\ude00'],
      ['control characters other than NUL', '\u0001\u001f\u007f'],
      ['the last code points of the BMP', '\ufffe\uffff'],
      ['arrays nested as deep as the limit', nested(MAX_DEPTH, 'array')],
      ['objects nested as deep as the limit', nested(MAX_DEPTH, 'object')],
      ['wide and shallow data', Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, [i]]))],
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

    it.each<[string, unknown, RegExp]>([
      ['a NUL character', 'a\u0000b', /^the value contains a NUL character \(\\u0000\), which PostgreSQL cannot/],
      ['a NUL character deep inside', { a: [1, { b: '\u0000' }] }, /^the value at a\[1\]\.b contains a NUL character/],
      ['a NUL character in an object key', { 'x\u0000': 1 }, /^a key of the value contains a NUL character/],
      ['a NUL character in a nested key', { a: [{ '\u0000': 1 }] }, /^a key of the value at a\[0\] contains a NUL/],
      ['a lone high surrogate', '\ud800', /^the value contains a lone surrogate \(half of a UTF-16 pair\)/],
      ['a lone high surrogate at the end', 'ok\ud83d', /^the value contains a lone surrogate/],
      ['a lone low surrogate', '\udc00ok', /^the value contains a lone surrogate/],
      ['a pair in the wrong order', '\ude00\ud83d', /^the value contains a lone surrogate/],
      ['a lone surrogate deep inside', [[['\udfff']]], /^the value at \[0\]\[0\]\[0\] contains a lone surrogate/],
      ['a lone surrogate in a nested key', { a: { '\ud800x': 1 } }, /^a key of the value at a contains a lone/],
    ])('a string or key holding %s, which PostgreSQL refuses', (_label, value, reason) => {
      const error = rejectionOf('text', value);
      expect(error.message.replace(/^Session key "text" cannot be stored: /, '')).toMatch(reason);
    });

    it.each<[string, string, RegExp]>([
      ['a NUL character', 'a\u0000', /^Session key "a\\u0000" cannot be stored: the key contains a NUL character/],
      ['a lone surrogate', '\udc00', /^Session key "\\udc00" cannot be stored: the key contains a lone surrogate/],
    ])('a key holding %s, shown escaped in the message', (_label, key, message) => {
      const error = rejectionOf(key, 'fine');
      expect(error.key).toBe(key);
      expect(error.message).toMatch(message);
    });

    it.each(NESTINGS)('%s nesting one level past the limit', (kind) => {
      expect(rejectionOf('deep', nested(MAX_DEPTH + 1, kind)).message).toBe(
        `Session key "deep" cannot be stored: the value is nested more than ${MAX_DEPTH} levels deep (objects and arrays inside one another)`,
      );
    });

    it('the limit counts from the value, wherever the deep part starts', () => {
      expect(() => assertJsonValue('k', { a: 1, b: [nested(MAX_DEPTH - 2)] })).not.toThrow();
      expect(rejectionOf('k', { a: 1, b: [nested(MAX_DEPTH - 1)] }).message).toMatch(/nested more than/);
    });

    it.each([5_000, 100_000, 1_000_000])('nesting %i deep, with a SessionValueError, no stack overflow', (depth) => {
      expect(rejectionOf('deep', nested(depth)).message).toMatch(`nested more than ${MAX_DEPTH} levels deep`);
    });

    it('a cycle deeper than the limit is reported as too deep, without looping', () => {
      const list: unknown[] = [];
      list.push(list);
      const deepCycle = nested(MAX_DEPTH, 'array') as unknown[];
      let innermost = deepCycle;
      while (Array.isArray(innermost[0])) {
        innermost = innermost[0] as unknown[];
      }
      innermost[0] = deepCycle;
      expect(rejectionOf('loop', deepCycle).message).toMatch(/refers to itself|nested more than/);
    });
  });
});
