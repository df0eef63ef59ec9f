import { SessionStateError, SessionValueError } from './session.errors';
import { persistence, loadedSession } from './request-session.fixture';

describe('RequestSession', () => {
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
