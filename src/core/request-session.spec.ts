import { SESSION_DEFAULTS } from './session.constants';
import { SessionStateError, SessionValueError } from './session.errors';
import type { Session } from './session.interface';
import { RequestSession, type SessionPersistence } from './request-session';
import { SessionSigner } from './session-signer';
import type { SessionData, StoredSession } from '../store/stored-session.interface';
import type { SessionUser } from './session-user.interface';

const NOW = 1_700_000_000_000;

function record(data: SessionData = {}): StoredSession {
  return {
    handle: SessionSigner.generateHandle(),
    tenant: '',
    data,
    createdAt: NOW,
    idIssuedAt: NOW,
    lastActiveAt: NOW,
    expiresAt: NOW + 1000,
    absoluteExpiresAt: NOW + 10_000,
    lifetime: null,
    userId: null,
    ip: null,
    userAgent: null,
  };
}

function persistence(): jest.Mocked<SessionPersistence> {
  return { save: jest.fn().mockResolvedValue(undefined), reload: jest.fn().mockResolvedValue(undefined) };
}

/** A session as loaded from the store with `data`. */
function loadedSession(data: SessionData = {}, using = persistence()): RequestSession {
  const id = SessionSigner.generateId();
  return new RequestSession(id, SessionSigner.hashId(id), record(structuredClone(data)), using);
}

const alice: SessionUser = { id: 'u-alice', roles: ['admin', 'editor'], name: 'Alice' };

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

  describe('change tracking', () => {
    it('starts without changes', () => {
      expect(loadedSession({ a: 1 }).hasChanges).toBe(false);
    });

    it('does not count reads as changes', () => {
      const session = loadedSession({ a: 1 });
      session.get('a');
      session.has('a');
      session.keys();
      session.toJSON();
      session.flashes();
      expect(session.hasChanges).toBe(false);
    });

    it('records set keys and removed keys, the last operation winning', () => {
      const session = loadedSession({ a: 1, b: 2, c: 3 });
      session.set('a', 10).delete('b').set('d', 4).delete('d').delete('c').set('c', 30);
      expect(Object.fromEntries(session.changed)).toEqual({ a: 10, c: 30 });
      expect([...session.removed].sort()).toEqual(['b', 'd']);
      expect(session.hasChanges).toBe(true);
    });

    it('forgets the changes once saved', () => {
      const session = loadedSession({ a: 1 });
      session.set('a', 2).delete('x').touch();
      session.markSaved(session.storedIdHash);
      expect(session.hasChanges).toBe(false);
      expect(session.touched).toBe(false);
      expect(session.changed.size).toBe(0);
      expect(session.removed.size).toBe(0);
    });
  });

  describe('identity', () => {
    it('regenerate gives a new ID and keeps the data', () => {
      const session = loadedSession({ a: 1 });
      const before = session.id;
      session.regenerate();
      expect(session.id).not.toBe(before);
      expect(session.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(session.get('a')).toBe(1);
      expect(session.cookieDirty).toBe(true);
    });

    it('is new until stored', () => {
      const id = SessionSigner.generateId();
      const fresh = new RequestSession(id, null, record(), persistence());
      expect(fresh.isNew).toBe(true);
      expect(loadedSession().isNew).toBe(false);
    });

    it('exposes the handle and tenant of its record, which regeneration keeps', () => {
      const session = loadedSession();
      session.record.tenant = 'acme';
      const handle = session.handle;
      expect(handle).toBe(session.record.handle);
      expect(handle).not.toContain(session.id);
      expect(session.tenant).toBe('acme');
      session.regenerate();
      expect(session.handle).toBe(handle);
    });

    it('exposes its times as dates', () => {
      const session = loadedSession();
      expect(session.createdAt).toEqual(new Date(NOW));
      expect(session.expiresAt).toEqual(new Date(NOW + 1000));
    });

    it('cannot be used after destroy', () => {
      const session = loadedSession({ a: 1 });
      session.destroy();
      expect(session.destroyed).toBe(true);
      expect(() => session.get('a')).toThrow(SessionStateError);
      expect(() => session.set('a', 2)).toThrow(SessionStateError);
      expect(() => session.regenerate()).toThrow(SessionStateError);
      expect(() => session.login(alice)).toThrow(SessionStateError);
      expect(() => session.save()).toThrow(SessionStateError);
    });
  });

  describe('login and logout', () => {
    it('records the user, regenerates the ID and keeps the data', () => {
      const session = loadedSession({ cart: ['x'] });
      const before = session.id;
      session.login(alice);
      expect(session.user).toEqual(alice);
      expect(session.isAuthenticated).toBe(true);
      expect(session.record.userId).toBe('u-alice');
      expect(session.userChanged).toBe(true);
      expect(session.id).not.toBe(before);
      expect(session.get('cart')).toEqual(['x']);
    });

    it('copies the roles, so changing the array given to login changes nothing', () => {
      const roles = ['viewer'];
      const session = loadedSession();
      session.login({ id: 'u1', roles });
      roles.push('admin');
      expect(session.user?.roles).toEqual(['viewer']);
    });

    it.each<[string, unknown]>([
      ['no user', undefined],
      ['a user without id', { roles: [] }],
      ['an empty id', { id: '', roles: [] }],
      ['a numeric id', { id: 1, roles: [] }],
      ['no roles', { id: 'u1' }],
      ['roles that are not an array', { id: 'u1', roles: 'admin' }],
      ['a value JSON cannot hold', { id: 'u1', roles: [], since: new Date() }],
    ])('refuses %s with SessionValueError and changes nothing', (_label, user) => {
      const session = loadedSession();
      const before = session.id;
      expect(() => session.login(user as SessionUser)).toThrow(SessionValueError);
      expect(session.user).toBeNull();
      expect(session.id).toBe(before);
      expect(session.hasChanges).toBe(false);
    });

    it('logout forgets the user, regenerates the ID and keeps the data', () => {
      const session = loadedSession({ cart: ['x'] });
      session.login(alice);
      const afterLogin = session.id;
      session.logout();
      expect(session.user).toBeNull();
      expect(session.isAuthenticated).toBe(false);
      expect(session.record.userId).toBeNull();
      expect(session.id).not.toBe(afterLogin);
      expect(session.get('cart')).toEqual(['x']);
    });
  });

  describe('flash messages', () => {
    it('returns the messages of one type once, in order, keeping the other types', () => {
      const session = loadedSession();
      session.flash('info', 'one').flash('info', 'two').flash('error', 'bad');
      expect(session.flashes('info')).toEqual(['one', 'two']);
      expect(session.flashes('info')).toEqual([]);
      expect(session.flashes('error')).toEqual(['bad']);
      expect(session.flashes()).toEqual({});
    });

    it('returns every message once', () => {
      const session = loadedSession();
      session.flash('info', 'one').flash('error', 'bad');
      expect(session.flashes()).toEqual({ info: ['one'], error: ['bad'] });
      expect(session.flashes()).toEqual({});
      expect(session.flashes('info')).toEqual([]);
    });

    it('marks the flash key removed once every message was read', () => {
      const session = loadedSession({ __flash: { info: ['stored'] } });
      expect(session.flashes('info')).toEqual(['stored']);
      expect([...session.removed]).toEqual(['__flash']);
    });

    it('does not count reading no messages as a change', () => {
      const session = loadedSession();
      expect(session.flashes('info')).toEqual([]);
      expect(session.hasChanges).toBe(false);
    });

    const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

    it.each(PROTOTYPE_NAMES)('queues and returns the type %s like any other', (type) => {
      const session = loadedSession();
      session.flash(type, 'one').flash(type, 'two').flash('info', 'kept');
      expect(session.flashes(type)).toEqual(['one', 'two']);
      expect(session.flashes(type)).toEqual([]);
      expect(Object.keys(session.flashes())).toEqual(['info']);
    });

    it.each(PROTOTYPE_NAMES)('answers no messages of type %s when none were queued, not a prototype member', (type) => {
      const session = loadedSession({ __flash: { info: ['stored'] } });
      expect(session.flashes(type)).toEqual([]);
      expect(Array.isArray(session.flashes(type))).toBe(true);
      expect(session.hasChanges).toBe(false);
    });

    it('stores __proto__ as a type (an own key, as JSON writes it), leaving the prototype alone', () => {
      const session = loadedSession();
      session.flash('__proto__', 'p').flash('constructor', 'c');
      expect(JSON.stringify(session.changed.get('__flash'))).toBe('{"__proto__":["p"],"constructor":["c"]}');
      const all = session.flashes();
      expect(Object.keys(all)).toEqual(['__proto__', 'constructor']);
      expect(Object.getOwnPropertyDescriptor(all, '__proto__')?.value).toEqual(['p']);
      expect(all.constructor).toEqual(['c']);
      expect(({} as Record<string, unknown>).p).toBeUndefined();
    });

    it('reads such types from a session loaded from the store', () => {
      const stored = JSON.parse('{"__proto__":["p"],"toString":["t"],"info":["i"]}') as Record<string, string[]>;
      const session = loadedSession({ __flash: stored });
      expect(session.flashes('__proto__')).toEqual(['p']);
      expect(JSON.stringify(session.changed.get('__flash'))).toBe('{"toString":["t"],"info":["i"]}');
      const rest = session.flashes();
      expect(Object.keys(rest)).toEqual(['toString', 'info']);
      expect(rest.toString).toEqual(['t']);
      expect([...session.removed]).toEqual(['__flash']);
    });

    it('refuses a type or message with a NUL character or a lone surrogate, and queues nothing', () => {
      const session = loadedSession();
      expect(() => session.flash('in\u0000fo', 'x')).toThrow(SessionValueError);
      expect(() => session.flash('\ud800', 'x')).toThrow(/lone surrogate/);
      expect(() => session.flash('info', 'x\u0000')).toThrow(/NUL character/);
      expect(session.hasChanges).toBe(false);
      expect(session.flashes()).toEqual({});
    });
  });

  describe('setLifetime', () => {
    it('records a lifetime and marks the cookie for re-sending', () => {
      const session = loadedSession();
      session.setLifetime(60_000);
      expect(session.lifetime).toBe(60_000);
      expect(session.lifetimeChanged).toBe(true);
      expect(session.cookieDirty).toBe(true);
      session.setLifetime(null);
      expect(session.lifetime).toBeNull();
    });

    it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p', (lifetime) => {
      const session = loadedSession();
      expect(() => session.setLifetime(lifetime)).toThrow(SessionStateError);
      expect(session.lifetime).toBeNull();
      expect(session.hasChanges).toBe(false);
    });
  });

  describe('save and reload', () => {
    it('delegate to the persistence', async () => {
      const using = persistence();
      const session = loadedSession({}, using);
      await session.save();
      await session.reload();
      expect(using.save).toHaveBeenCalledWith(session);
      expect(using.reload).toHaveBeenCalledWith(session);
    });
  });
});
