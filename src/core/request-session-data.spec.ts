import { SESSION_DEFAULTS } from './session.constants';
import { SessionValueError } from './session.errors';
import type { Session } from './session.interface';
import { loadedSession, alice } from './request-session.fixture';

describe('RequestSession', () => {
  describe('data access', () => {
    it('sets, gets and tells whether a key exists', () => {
      const session = loadedSession();
      expect(session.set('a', 1).set('b', { nested: ['x'] })).toBe(session);
      expect(session.get('a')).toBe(1);
      expect(session.get('b')).toEqual({ nested: ['x'] });
      expect(session.has('a')).toBe(true);
      expect(session.has('missing')).toBe(false);
      expect(session.get('missing')).toBeUndefined();
    });

    it('tells null apart from a missing key', () => {
      const session = loadedSession({ empty: null });
      expect(session.has('empty')).toBe(true);
      expect(session.get('empty')).toBeNull();
    });

    it('deletes a key', () => {
      const session = loadedSession({ a: 1, b: 2 });
      expect(session.delete('a')).toBe(session);
      expect(session.has('a')).toBe(false);
      expect(session.keys()).toEqual(['b']);
    });

    it('lists keys and gives a copy of the data, without the login or flash messages', () => {
      const session = loadedSession({ a: 1, b: 'two' });
      session.login(alice).flash('info', 'hi');
      expect(session.keys()).toEqual(['a', 'b']);
      const json = session.toJSON();
      expect(json).toEqual({ a: 1, b: 'two' });
      json.a = 99;
      expect(session.get('a')).toBe(1);
      expect(JSON.parse(JSON.stringify(session))).toEqual({ a: 1, b: 'two' });
    });

    it('clear removes every application key but keeps the login and flash messages', () => {
      const session = loadedSession({ a: 1, b: 2 });
      session.login(alice).flash('info', 'kept');
      session.clear();
      expect(session.keys()).toEqual([]);
      expect(session.user?.id).toBe('u-alice');
      expect(session.flashes('info')).toEqual(['kept']);
    });

    it('refuses a value JSON cannot hold, naming the key, and keeps the old value', () => {
      const session = loadedSession({ when: 'yesterday' });
      expect(() => session.set('when', new Date())).toThrow(SessionValueError);
      expect(() => session.set('when', new Date())).toThrow(/"when"/);
      expect(session.get('when')).toBe('yesterday');
      expect(session.hasChanges).toBe(false);
    });

    it.each(['__user', '__flash'])('refuses the reserved key %s in set, get and delete', (key) => {
      const session = loadedSession({ [key]: 'internal' });
      expect(() => session.set(key, 'x')).toThrow(SessionValueError);
      expect(() => session.set(key, 'x')).toThrow(/reserved/);
      expect(() => session.get(key)).toThrow(SessionValueError);
      expect(() => session.delete(key)).toThrow(SessionValueError);
      expect(session.has(key)).toBe(false);
      expect(session.hasChanges).toBe(false);
    });

    it.each(['constructor', 'toString', 'hasOwnProperty'])('does not answer %s from the object prototype', (key) => {
      const session = loadedSession({ a: 1 });
      expect(session.get(key)).toBeUndefined();
      expect(session.has(key)).toBe(false);
      session.set(key, 'stored');
      expect(session.get(key)).toBe('stored');
    });

    it('refuses __proto__ as a key, which would replace the prototype of the data', () => {
      const session = loadedSession({ a: 1 });
      expect(() => session.set('__proto__', { isAdmin: true })).toThrow(SessionValueError);
      expect(session.get('isAdmin')).toBeUndefined();
      expect('isAdmin' in session.record.data).toBe(false);
      expect(session.hasChanges).toBe(false);
    });

    it('refuses an empty key', () => {
      expect(() => loadedSession().set('', 1)).toThrow(/non-empty string/);
    });

    it.each<[string, string, RegExp]>([
      ['a NUL character', 'a\u0000b', /^Session key "a\\u0000b" cannot be stored: the key contains a NUL character/],
      ['a lone surrogate', 'x\ud800', /^Session key "x\\ud800" cannot be stored: the key contains a lone surrogate/],
    ])('refuses a key with %s, naming it escaped, and changes nothing', (_label, key, message) => {
      const session = loadedSession({ a: 1 });
      expect(() => session.set(key, 1)).toThrow(SessionValueError);
      expect(() => session.set(key, 1)).toThrow(message);
      expect(session.keys()).toEqual(['a']);
      expect(session.hasChanges).toBe(false);
    });

    it.each<[string, unknown, RegExp]>([
      ['a NUL character in a string', 'a\u0000', /the value contains a NUL character/],
      ['a NUL character deep inside', { list: [{ text: '\u0000' }] }, /the value at list\[0\]\.text contains a NUL/],
      ['a NUL character in an object key', { nested: { 'k\u0000': 1 } }, /a key of the value at nested contains a NUL/],
      ['a lone high surrogate', '\ud83d', /the value contains a lone surrogate/],
      ['a lone low surrogate', ['\ude00'], /the value at \[0\] contains a lone surrogate/],
      ['a lone surrogate in an object key', { '\udfff': 1 }, /a key of the value contains a lone surrogate/],
    ])('refuses a value with %s and keeps the old value', (_label, value, reason) => {
      const session = loadedSession({ kept: 'old' });
      expect(() => session.set('kept', value)).toThrow(reason);
      expect(session.get('kept')).toBe('old');
      expect(session.hasChanges).toBe(false);
    });

    it('refuses a value nested 100,000 deep with SessionValueError, not a stack overflow', () => {
      let deep: unknown = 'bottom';
      for (let level = 0; level < 100_000; level++) {
        deep = level % 2 === 0 ? [deep] : { next: deep };
      }
      const session = loadedSession();
      expect(() => session.set('deep', deep)).toThrow(SessionValueError);
      expect(() => session.set('deep', deep)).toThrow(
        `the value is nested more than ${SESSION_DEFAULTS.maxValueDepth} levels deep`,
      );
      expect(session.hasChanges).toBe(false);
    });

    it('accepts a value nested as deep as the limit, and copies it in toJSON', () => {
      let deep: unknown = 'bottom';
      for (let level = 0; level < SESSION_DEFAULTS.maxValueDepth; level++) {
        deep = { next: deep };
      }
      const session = loadedSession();
      session.set('deep', deep);
      expect(session.toJSON()).toEqual({ deep });
      expect(JSON.parse(JSON.stringify(session))).toEqual({ deep });
    });

    it('types keys and values through Session<T>', () => {
      const session: Session<{ a: number; b?: string[] }> = loadedSession() as unknown as Session<{
        a: number;
        b?: string[];
      }>;
      session.set('a', 1);
      const a: number | undefined = session.get('a');
      expect(a).toBe(1);
      const setWrongType = () =>
        // @ts-expect-error a is a number, so a string must not compile
        session.set('a', 'one');
      const getUnknownKey = () =>
        // @ts-expect-error c is not a key of the session's type
        session.get('c');
      expect(typeof setWrongType).toBe('function');
      expect(typeof getUnknownKey).toBe('function');
    });
  });
});
