import { SessionStateError, SessionValueError } from './session.errors';
import { RequestSession } from './request-session';
import { SessionSigner } from './session-signer';
import type { SessionUser } from './session-user.interface';
import { NOW, record, persistence, loadedSession, alice } from './request-session.fixture';

describe('RequestSession', () => {
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
});
