import { SessionStateError, SessionValueError } from './session.errors';
import { RESERVED_AUTH_KEY } from './session.constants';
import { NOW, alice, loadedSession } from './request-session.fixture';

const MINUTE = 60_000;

describe('RequestSession authentication (proof of identity)', () => {
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
  afterEach(() => jest.restoreAllMocks());

  it('has no authentication before a login', () => {
    expect(loadedSession().authentication).toBeNull();
  });

  it('records a login as a password proof made now, without a level, by default', () => {
    const session = loadedSession().login(alice);
    expect(session.authentication).toEqual({ at: new Date(NOW), method: 'password', level: null });
    expect(session.changed.get(RESERVED_AUTH_KEY)).toEqual({ at: NOW, method: 'password', level: null });
  });

  it("records the login's method and level when given", () => {
    const session = loadedSession().login(alice, { method: 'webauthn', level: 'aal2' });
    expect(session.authentication).toEqual({ at: new Date(NOW), method: 'webauthn', level: 'aal2' });
  });

  it.each([
    [{ method: '' }],
    [{ method: 42 as unknown as string }],
    [{ level: '' }],
    [{ level: ['aal2'] as unknown as string }],
    [{ method: 'pass\ud800' }],
  ])('refuses the malformed proof %j before changing anything', (proof) => {
    const session = loadedSession({ a: 1 });
    const id = session.id;
    expect(() => session.login(alice, proof)).toThrow(SessionValueError);
    expect(session.id).toBe(id);
    expect(session.user).toBeNull();
    expect(session.hasChanges).toBe(false);
  });

  it('reauthenticated() renews the ID and the proof, keeping user and data', () => {
    const session = loadedSession({ a: 1 }).login(alice);
    session.markSaved(session.storedIdHash);
    const idAfterLogin = session.id;
    jest.spyOn(Date, 'now').mockReturnValue(NOW + 10 * MINUTE);
    session.reauthenticated({ method: 'totp', level: 'aal2' });
    expect(session.id).not.toBe(idAfterLogin);
    expect(session.idChanged).toBe(true);
    expect(session.cookieDirty).toBe(true);
    expect(session.authentication).toEqual({ at: new Date(NOW + 10 * MINUTE), method: 'totp', level: 'aal2' });
    expect(session.user).toEqual(alice);
    expect(session.get('a')).toBe(1);
    expect([...session.changed.keys()]).toEqual([RESERVED_AUTH_KEY]);
  });

  it('reauthenticated() needs a logged-in user', () => {
    expect(() => loadedSession().reauthenticated()).toThrow(SessionStateError);
  });

  it('keeps the proof out of the application data', () => {
    const session = loadedSession({ a: 1 }).login(alice);
    expect(session.keys()).toEqual(['a']);
    expect(session.toJSON()).toEqual({ a: 1 });
    expect(session.has(RESERVED_AUTH_KEY as never)).toBe(false);
    expect(() => session.get(RESERVED_AUTH_KEY as never)).toThrow(SessionValueError);
    expect(() => session.set(RESERVED_AUTH_KEY as never, { at: 0 } as never)).toThrow(SessionValueError);
    session.clear();
    expect(session.authentication).not.toBeNull();
  });

  it('forgets the proof on logout', () => {
    const session = loadedSession({ __user: alice, [RESERVED_AUTH_KEY]: { at: NOW, method: 'password', level: null } });
    session.logout();
    expect(session.authentication).toBeNull();
    expect(session.removed.has(RESERVED_AUTH_KEY)).toBe(true);
  });

  it('reports no authentication for a stored proof it did not write', () => {
    expect(loadedSession({ __user: alice, [RESERVED_AUTH_KEY]: 'yesterday' }).authentication).toBeNull();
    expect(loadedSession({ [RESERVED_AUTH_KEY]: { at: NOW, method: 'password' } }).authentication).toBeNull();
  });

  describe('after the handler threw (keepOnlyDataChanges)', () => {
    const stored = { at: NOW - 30 * MINUTE, method: 'password', level: null };

    it('drops a reauthentication: the old ID and the old proof come back, plain data stays', () => {
      const session = loadedSession({ __user: alice, [RESERVED_AUTH_KEY]: stored });
      const id = session.id;
      session.set('note', 'kept').reauthenticated({ level: 'aal2' });
      session.keepOnlyDataChanges();
      expect(session.id).toBe(id);
      expect(session.idChanged).toBe(false);
      expect(session.authentication).toEqual({ ...stored, at: new Date(stored.at) });
      expect(session.changed.has(RESERVED_AUTH_KEY)).toBe(false);
      expect(Object.fromEntries(session.changed)).toEqual({ note: 'kept' });
    });

    it('drops the proof of a login along with the login', () => {
      const session = loadedSession();
      session.login(alice, { level: 'aal3' });
      session.keepOnlyDataChanges();
      expect(session.user).toBeNull();
      expect(session.authentication).toBeNull();
      expect(session.record.data).toEqual({});
      expect(session.hasChanges).toBe(false);
    });

    it('undoes a logout, proof included', () => {
      const session = loadedSession({ __user: alice, [RESERVED_AUTH_KEY]: stored });
      session.logout();
      session.keepOnlyDataChanges();
      expect(session.authentication).toEqual({ ...stored, at: new Date(stored.at) });
      expect(session.removed.size).toBe(0);
    });
  });
});
