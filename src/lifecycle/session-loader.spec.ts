import { SessionStoreUnavailableError } from '../core/session.errors';
import { SessionSigner } from '../core/session-signer';

import {
  SECRET,
  OLD_SECRET,
  DAY,
  START,
  EPOCH_EXPIRES,
  fakeResponse,
  fakeRequest,
  Harness,
  attributesOf,
  useFakeClock,
} from './lifecycle.harness.fixture';

describe('the session loader: new sessions, loading, secret rotation', () => {
  useFakeClock();

  describe('new sessions', () => {
    it('neither stores an untouched new session nor sets a cookie (saveUninitialized false)', async () => {
      const harness = new Harness();
      const create = jest.spyOn(harness.store, 'create');
      const { session, setCookie } = await harness.visit((s) => s.get('anything'));
      expect(session.isNew).toBe(true);
      expect(setCookie).toBeUndefined();
      expect(create).not.toHaveBeenCalled();
      expect(harness.store.size).toBe(0);
    });

    it('stores an untouched new session and sets its cookie with saveUninitialized true', async () => {
      const harness = new Harness({ saveUninitialized: true });
      const { session, setCookie } = await harness.visit();
      expect(harness.store.size).toBe(1);
      expect(session.isNew).toBe(false);
      expect(setCookie).toBeDefined();
      expect(await harness.stored(session)).toMatchObject({ data: {} });
    });

    it('stores a new session with data under the hash of its ID and sets a browser-session cookie', async () => {
      const harness = new Harness();
      const create = jest.spyOn(harness.store, 'create');
      const { session, setCookie } = await harness.visit((s) => s.set('theme', 'dark'));
      expect(create).toHaveBeenCalledTimes(1);
      const [idHash, stored] = create.mock.calls[0];
      expect(idHash).toBe(SessionSigner.hashId(session.id));
      expect(idHash).not.toContain(session.id);
      expect(stored).toEqual({
        handle: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        tenant: '',
        data: { theme: 'dark' },
        createdAt: START,
        lastActiveAt: START,
        idIssuedAt: START,
        expiresAt: START + DAY,
        absoluteExpiresAt: START + 7 * DAY,
        lifetime: null,
        userId: null,
        ip: '203.0.113.7',
        userAgent: 'jest-agent',
      });
      expect(setCookie?.split(';')[0]).toBe(`__Host-sid=${new SessionSigner([SECRET]).sign(session.id)}`);
      expect(attributesOf(setCookie as string).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Lax', 'Secure']);
    });

    it('follows the cookie options', async () => {
      const harness = new Harness({
        cookie: {
          name: 'app.sid',
          path: '/app',
          domain: 'example.com',
          secure: true,
          sameSite: 'strict',
          httpOnly: false,
        },
      });
      const { setCookie } = await harness.visit((s) => s.set('a', 1));
      expect(setCookie).toMatch(/^app\.sid=/);
      expect(attributesOf(setCookie as string).sort()).toEqual([
        'Domain=example.com',
        'Path=/app',
        'SameSite=Strict',
        'Secure',
      ]);
    });

    it('does not send the cookie again on later requests that change nothing about it', async () => {
      const harness = new Harness();
      await harness.start();
      const { setCookie } = await harness.visit((s) => s.set('more', 1));
      expect(setCookie).toBeUndefined();
    });
  });

  describe('loading', () => {
    it('reads the store once per request, however many callers load', async () => {
      const harness = new Harness();
      await harness.start();
      const get = jest.spyOn(harness.store, 'get');
      const request = fakeRequest(harness.cookie);
      const [first, second] = await Promise.all([harness.manager.load(request), harness.manager.load(request)]);
      expect(first).toBe(second);
      expect(await harness.manager.load(request)).toBe(first);
      expect(harness.manager.loaded(request)).toBe(first);
      expect(get).toHaveBeenCalledTimes(1);
    });

    it('has no loaded session before load, and commits nothing then', async () => {
      const harness = new Harness();
      const request = fakeRequest();
      const response = fakeResponse();
      expect(harness.manager.loaded(request)).toBeUndefined();
      await harness.manager.commit(request, response);
      expect(response.setCookies).toEqual([]);
    });

    it('gives back the stored data on the next request', async () => {
      const harness = new Harness();
      const first = await harness.start({ cart: ['apple'], count: 2 });
      const { session } = await harness.visit();
      expect(session.id).toBe(first.id);
      expect(session.isNew).toBe(false);
      expect(session.toJSON()).toEqual({ cart: ['apple'], count: 2 });
    });

    it.each([
      ['a tampered signature', (cookie: string) => `${cookie.slice(0, -1)}${cookie.endsWith('A') ? 'B' : 'A'}`],
      ['a tampered ID', (cookie: string) => `__Host-sid=${SessionSigner.generateId()}.${cookie.split('.')[1]}`],
      ['garbage', () => '__Host-sid=not-a-session'],
    ])('starts a new session for %s and clears the bad cookie', async (_label, tamper) => {
      const harness = new Harness();
      await harness.start({ secret: 'data' });
      const { session, setCookie } = await harness.visit(undefined, tamper(harness.cookie as string));
      expect(session.isNew).toBe(true);
      expect(session.toJSON()).toEqual({});
      expect(setCookie).toContain(EPOCH_EXPIRES);
    });

    it('retries the store on the next load after a failed one', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const get = jest.spyOn(harness.store, 'get').mockRejectedValueOnce(new Error('connection reset'));
      const request = fakeRequest(harness.cookie);
      await expect(harness.manager.load(request)).rejects.toThrow(SessionStoreUnavailableError);
      expect(harness.manager.loaded(request)).toBeUndefined();
      const session = await harness.manager.load(request);
      expect(session.get('a')).toBe(1);
      expect(get).toHaveBeenCalledTimes(2);
    });
  });

  describe('secret rotation', () => {
    it('re-issues a cookie signed with an old secret, signed with the current one, without a store write', async () => {
      const before = new Harness({ secret: OLD_SECRET });
      await before.start({ a: 1 });
      const oldCookie = before.cookie as string;
      const rotated = new Harness({ secret: [SECRET, OLD_SECRET] }, before.store);
      const patch = jest.spyOn(rotated.store, 'patch');
      const { session, setCookie } = await rotated.visit(undefined, oldCookie);
      expect(session.isNew).toBe(false);
      expect(session.get('a')).toBe(1);
      expect(patch).not.toHaveBeenCalled();
      const newCookie = setCookie?.split(';')[0] as string;
      expect(newCookie).not.toBe(oldCookie);
      expect(new SessionSigner([SECRET]).verify(newCookie.slice('__Host-sid='.length))).toEqual({
        id: session.id,
        signedWithOldSecret: false,
      });
      expect((await rotated.visit()).setCookie).toBeUndefined();
    });

    it('no longer accepts the cookie once the old secret is dropped', async () => {
      const before = new Harness({ secret: OLD_SECRET });
      await before.start({ a: 1 });
      const after = new Harness({ secret: SECRET }, before.store);
      expect((await after.visit(undefined, before.cookie)).session.isNew).toBe(true);
    });
  });
});
