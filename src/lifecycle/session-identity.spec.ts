import { SessionValueError } from '../core/session.errors';
import type { Session } from '../core/session.interface';
import { SessionSigner } from '../core/session-signer';

import { SECRET, EPOCH_EXPIRES, Harness, alice, attributesOf, useFakeClock } from './lifecycle.harness.fixture';

describe('the session committer: new IDs, login, logout, flash, types', () => {
  useFakeClock();

  describe('regenerate and destroy', () => {
    it('regenerate moves the data to a new ID and the old ID stops loading', async () => {
      const harness = new Harness();
      const first = await harness.start({ cart: ['x'] });
      const oldCookie = harness.cookie;
      const { session, setCookie } = await harness.visit((s) => s.regenerate());
      expect(session.id).not.toBe(first.id);
      expect(setCookie?.split(';')[0]).toBe(`__Host-sid=${new SessionSigner([SECRET]).sign(session.id)}`);
      expect(harness.store.size).toBe(1);
      expect((await harness.visit()).session.get('cart')).toEqual(['x']);
      const stale = await harness.visit(undefined, oldCookie);
      expect(stale.session.isNew).toBe(true);
      expect(stale.session.toJSON()).toEqual({});
    });

    it('destroy deletes the session and expires the cookie', async () => {
      const harness = new Harness();
      const first = await harness.start();
      const destroy = jest.spyOn(harness.store, 'destroy');
      const { setCookie } = await harness.visit((s) => s.destroy());
      expect(destroy).toHaveBeenCalledWith(first.handle, expect.objectContaining({ signal: expect.any(AbortSignal) }));
      expect(harness.store.size).toBe(0);
      expect(setCookie).toMatch(/^__Host-sid=;/);
      expect(setCookie).toContain(EPOCH_EXPIRES);
      expect(attributesOf(setCookie as string)).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Lax']));
      expect(harness.cookie).toBeUndefined();
    });

    it('destroy of a session that was never stored writes nothing and sets no cookie', async () => {
      const harness = new Harness();
      const destroy = jest.spyOn(harness.store, 'destroy');
      const { setCookie } = await harness.visit((s) => {
        s.set('a', 1);
        s.destroy();
      });
      expect(destroy).not.toHaveBeenCalled();
      expect(harness.store.size).toBe(0);
      expect(setCookie).toBeUndefined();
    });
  });

  describe('login and logout', () => {
    it('records the user under a new ID, with the user ID beside the data', async () => {
      const harness = new Harness();
      const first = await harness.start({ cart: ['x'] });
      const roles = ['admin'];
      const { session, setCookie } = await harness.visit((s) => {
        s.login({ ...alice, roles });
        roles.push('root');
      });
      expect(session.id).not.toBe(first.id);
      expect(setCookie).toBeDefined();
      const stored = await harness.stored(session);
      expect(stored?.userId).toBe('u-alice');
      expect(stored?.data).toEqual({
        cart: ['x'],
        __user: alice,
        __auth: { at: Date.now(), method: 'password', level: null },
      });
      const next = (await harness.visit()).session;
      expect(next.user).toEqual(alice);
      expect(next.isAuthenticated).toBe(true);
    });

    it('logs in on a new session too', async () => {
      const harness = new Harness();
      const { session } = await harness.visit((s) => s.login(alice));
      expect((await harness.stored(session))?.userId).toBe('u-alice');
      expect((await harness.visit()).session.user?.id).toBe('u-alice');
    });

    it('refuses an invalid user with SessionValueError and writes nothing', async () => {
      const harness = new Harness();
      await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      await harness.visit((s) => expect(() => s.login({ id: '', roles: [] })).toThrow(SessionValueError));
      expect(patch).not.toHaveBeenCalled();
    });

    it('logout forgets the user under a new ID and keeps the data', async () => {
      const harness = new Harness();
      await harness.start({ cart: ['x'] });
      await harness.visit((s) => s.login(alice));
      const before = harness.cookie;
      const { session } = await harness.visit((s) => s.logout());
      expect(harness.cookie).not.toBe(before);
      const stored = await harness.stored(session);
      expect(stored?.userId).toBeNull();
      expect(stored?.data).toEqual({ cart: ['x'] });
      expect((await harness.visit()).session.user).toBeNull();
      expect((await harness.visit(undefined, before)).session.isNew).toBe(true);
    });
  });

  describe('flash messages', () => {
    it('are read once, per type and then all', async () => {
      const harness = new Harness();
      await harness.visit((s) =>
        s.flash('info', 'saved').flash('info', 'again').flash('error', 'oops').flash('warn', 'careful'),
      );
      await harness.visit((s) => expect(s.flashes('info')).toEqual(['saved', 'again']));
      await harness.visit((s) => expect(s.flashes('info')).toEqual([]));
      await harness.visit((s) => expect(s.flashes()).toEqual({ error: ['oops'], warn: ['careful'] }));
      const { session } = await harness.visit((s) => expect(s.flashes()).toEqual({}));
      expect((await harness.stored(session))?.data).toEqual({});
    });
  });

  describe('typed sessions', () => {
    it('keeps the types of Session<T> through a request', async () => {
      const harness = new Harness();
      await harness.visit((s) => {
        const typed = s as unknown as Session<{ a: number }>;
        typed.set('a', 1);
        // @ts-expect-error a holds a number, so a string must not compile
        expect(() => typed.set('a', 'one')).not.toThrow();
        typed.set('a', 2);
      });
      const { session } = await harness.visit();
      const typed = session as unknown as Session<{ a: number }>;
      const a: number | undefined = typed.get('a');
      expect(a).toBe(2);
    });
  });
});
