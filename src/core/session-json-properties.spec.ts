import * as fc from 'fast-check';
import { SessionValueError } from './session.errors';
import { assertJsonValue } from './session-json';
import { rejectionOf, sameJson, MAX_DEPTH, nested, isWellFormed, NESTINGS } from './session-json.fixture';

describe('assertJsonValue', () => {
  describe('properties', () => {
    it('accepts every JSON value, which JSON gives back unchanged', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          expect(() => assertJsonValue('key', value)).not.toThrow();
          expect(sameJson(JSON.parse(JSON.stringify(value)), value)).toBe(true);
        }),
      );
    });

    it('accepts a string exactly when it has no NUL character and no lone surrogate', () => {
      const codeUnit = fc.oneof(
        fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
        fc.constantFrom('\u0000', '\ud83d', '\ude00', '\ud83d\ude00', 'a'),
      );
      fc.assert(
        fc.property(fc.string({ unit: codeUnit, maxLength: 12 }), (text) => {
          const storable = !text.includes('\u0000') && isWellFormed(text);
          for (const value of [text, { [text === '' ? 'k' : text]: 1 }, [{ deep: [text] }]]) {
            let accepted = true;
            try {
              assertJsonValue('key', value);
            } catch (error) {
              expect(error).toBeInstanceOf(SessionValueError);
              accepted = false;
            }
            expect(accepted).toBe(storable);
          }
        }),
      );
    });

    it('accepts nesting up to the limit and refuses anything deeper', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 3 * MAX_DEPTH }), fc.constantFrom(...NESTINGS), (depth, kind) => {
          const value = nested(depth, kind);
          if (depth <= MAX_DEPTH) {
            expect(() => assertJsonValue('key', value)).not.toThrow();
          } else {
            expect(rejectionOf('key', value).message).toMatch(/nested more than/);
          }
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
