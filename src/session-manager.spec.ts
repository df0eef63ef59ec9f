import { Logger } from '@nestjs/common';
import { SessionStoreUnavailableError, SessionTooLargeError, SessionValueError } from './session.errors';
import type { Session } from './session.interface';
import type { SessionModuleOptions } from './session-module-options.interface';
import { SessionManager } from './session-manager';
import { resolveSessionOptions } from './session-options';
import { SessionSigner } from './session-signer';
import type { SessionHttpRequest } from './platform/http-platform';
import type { RequestSession } from './request-session';
import { MemorySessionStore } from './stores/memory-session.store';

const SECRET = 'current-secret-0123456789-abcdefghijkl';
const OLD_SECRET = 'old-secret-0123456789-abcdefghijklmnopqr';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const START = 1_700_000_000_000;
const EPOCH_EXPIRES = 'Expires=Thu, 01 Jan 1970 00:00:00 GMT';

/** An Express-like response that records the headers appended to it. */
interface FakeResponse {
  headersSent: boolean;
  setCookies: string[];
  append(name: string, value: string): void;
}

function fakeResponse(): FakeResponse {
  const response: FakeResponse = {
    headersSent: false,
    setCookies: [],
    append(name, value) {
      if (name.toLowerCase() === 'set-cookie') {
        response.setCookies.push(value);
      }
    },
  };
  return response;
}

function fakeRequest(cookie?: string): SessionHttpRequest {
  return { headers: { cookie, 'user-agent': 'jest-agent' }, ip: '203.0.113.7' };
}

/** What a request left behind: its session, the Set-Cookie header (if any), and the cookie the browser would keep. */
interface Visit {
  session: RequestSession;
  setCookie: string | undefined;
  cookie: string | undefined;
}

/** A manager on a real MemorySessionStore, a fake clock, and a one-cookie browser. */
class Harness {
  readonly store = new MemorySessionStore();
  readonly manager: SessionManager;
  cookie: string | undefined;

  constructor(options: Partial<SessionModuleOptions> = {}, store?: MemorySessionStore) {
    if (store) {
      this.store = store;
    }
    this.manager = new SessionManager(resolveSessionOptions({ secret: SECRET, ...options }, {}), this.store);
  }

  /** One request: load, run the handler, commit; the browser keeps or drops the cookie as told. */
  async visit(handler: (session: RequestSession) => unknown = () => undefined, cookie = this.cookie): Promise<Visit> {
    const request = fakeRequest(cookie);
    const response = fakeResponse();
    const session = await this.manager.load(request);
    await handler(session);
    await this.manager.commit(request, response);
    expect(response.setCookies.length).toBeLessThanOrEqual(1);
    const setCookie = response.setCookies[0];
    if (setCookie !== undefined) {
      this.cookie = setCookie.includes(EPOCH_EXPIRES) ? undefined : setCookie.split(';')[0];
    }
    return { session, setCookie, cookie: this.cookie };
  }

  /** Creates a stored session holding `data` and keeps its cookie. */
  async start(data: Record<string, unknown> = { started: true }): Promise<RequestSession> {
    const { session } = await this.visit((s) => Object.entries(data).forEach(([key, value]) => s.set(key, value)));
    expect(this.cookie).toBeDefined();
    return session;
  }

  stored(session: RequestSession) {
    return this.store.get(SessionSigner.hashId(session.id), Date.now());
  }
}

function attributesOf(setCookie: string): string[] {
  return setCookie
    .split(';')
    .slice(1)
    .map((part) => part.trim());
}

describe('SessionManager', () => {
  let now: number;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    now = START;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });

  afterEach(() => jest.restoreAllMocks());

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
        data: { theme: 'dark' },
        createdAt: START,
        lastActiveAt: START,
        expiresAt: START + DAY,
        absoluteExpiresAt: START + 7 * DAY,
        lifetime: null,
        userId: null,
        ip: '203.0.113.7',
        userAgent: 'jest-agent',
      });
      expect(setCookie?.split(';')[0]).toBe(`sid=${new SessionSigner([SECRET]).sign(session.id)}`);
      expect(attributesOf(setCookie as string).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Lax']);
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
      ['a tampered ID', (cookie: string) => `sid=${SessionSigner.generateId()}.${cookie.split('.')[1]}`],
      ['garbage', () => 'sid=not-a-session'],
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

  describe('writes', () => {
    it('does not write a loaded session that was only read', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const writes = [
        jest.spyOn(harness.store, 'patch'),
        jest.spyOn(harness.store, 'create'),
        jest.spyOn(harness.store, 'destroy'),
      ];
      const { setCookie } = await harness.visit((s) => {
        s.get('a');
        s.keys();
        s.toJSON();
        s.flashes();
      });
      writes.forEach((write) => expect(write).not.toHaveBeenCalled());
      expect(setCookie).toBeUndefined();
    });

    it('patches only the keys that changed or were removed', async () => {
      const harness = new Harness();
      await harness.start({ keep: 'same', change: 1, drop: true });
      const patch = jest.spyOn(harness.store, 'patch');
      const { session } = await harness.visit((s) => s.set('change', 2).set('added', ['x']).delete('drop'));
      expect(patch).toHaveBeenCalledTimes(1);
      const [idHash, sent, at] = patch.mock.calls[0];
      expect(idHash).toBe(SessionSigner.hashId(session.id));
      expect(sent.set).toEqual({ change: 2, added: ['x'] });
      expect(sent.unset).toEqual(['drop']);
      expect(sent.newIdHash).toBeUndefined();
      expect(at).toBe(START);
      expect((await harness.stored(session))?.data).toEqual({ keep: 'same', change: 2, added: ['x'] });
    });

    it('does not let two requests that change different keys overwrite each other', async () => {
      const harness = new Harness();
      await harness.start({ a: 0, b: 0 });
      const first = fakeRequest(harness.cookie);
      const second = fakeRequest(harness.cookie);
      const one = await harness.manager.load(first);
      const two = await harness.manager.load(second);
      one.set('a', 1);
      two.set('b', 2);
      await harness.manager.commit(first, fakeResponse());
      await harness.manager.commit(second, fakeResponse());
      expect((await harness.stored(one))?.data).toEqual({ a: 1, b: 2 });
    });

    it('commits only once per request', async () => {
      const harness = new Harness();
      await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      const request = fakeRequest(harness.cookie);
      (await harness.manager.load(request)).set('x', 1);
      await harness.manager.commit(request, fakeResponse());
      await harness.manager.commit(request, fakeResponse());
      expect(patch).toHaveBeenCalledTimes(1);
    });

    it('writes nothing more at commit after save() in the handler, but still sets the cookie', async () => {
      const harness = new Harness();
      const create = jest.spyOn(harness.store, 'create');
      const patch = jest.spyOn(harness.store, 'patch');
      const request = fakeRequest();
      const response = fakeResponse();
      const session = await harness.manager.load(request);
      session.set('early', true);
      await session.save();
      expect(create).toHaveBeenCalledTimes(1);
      expect((await harness.stored(session))?.data).toEqual({ early: true });
      await harness.manager.commit(request, response);
      expect(create).toHaveBeenCalledTimes(1);
      expect(patch).not.toHaveBeenCalled();
      expect(response.setCookies).toHaveLength(1);
    });

    it('writes only what changed after a save() in the handler', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const patch = jest.spyOn(harness.store, 'patch');
      await harness.visit(async (s) => {
        s.set('a', 2);
        await s.save();
        s.set('b', 3);
      });
      expect(patch).toHaveBeenCalledTimes(2);
      expect(patch.mock.calls[0][1].set).toEqual({ a: 2 });
      expect(patch.mock.calls[1][1].set).toEqual({ b: 3 });
    });

    it('reload() drops unsaved changes and reads the store again', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const patch = jest.spyOn(harness.store, 'patch');
      const { session } = await harness.visit(async (s) => {
        s.set('a', 2).set('b', 3).delete('started');
        await s.reload();
        expect(s.toJSON()).toEqual({ a: 1 });
      });
      expect(patch).not.toHaveBeenCalled();
      expect((await harness.stored(session))?.data).toEqual({ a: 1 });
    });

    it('reload() sees what another request wrote meanwhile', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const cookie = harness.cookie;
      await harness.visit(async (s) => {
        await new Harness({}, harness.store).visit((other) => other.set('a', 'from elsewhere'), cookie);
        expect(s.get('a')).toBe(1);
        await s.reload();
        expect(s.get('a')).toBe('from elsewhere');
      });
    });

    it('reload() of a session destroyed meanwhile gives it a new ID, so the old one never comes back', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const cookie = harness.cookie;
      const { session } = await harness.visit(async (s) => {
        const oldId = s.id;
        await new Harness({}, harness.store).visit((other) => other.destroy(), cookie);
        await s.reload();
        expect(s.toJSON()).toEqual({});
        expect(s.id).not.toBe(oldId);
        s.set('b', 2);
      });
      expect(harness.cookie).not.toEqual(cookie);
      expect((await harness.stored(session))?.data).toEqual({ b: 2 });
      await harness.visit((s) => expect(s.toJSON()).toEqual({}), cookie);
    });

    it('does not bring back a session destroyed by another request meanwhile', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const request = fakeRequest(harness.cookie);
      const response = fakeResponse();
      const session = await harness.manager.load(request);
      await new Harness({}, harness.store).visit((other) => other.destroy(), harness.cookie);
      session.set('late', true);
      await harness.manager.commit(request, response);
      expect(harness.store.size).toBe(0);
      expect(response.setCookies[0]).toContain(EPOCH_EXPIRES);
    });

    it('warns instead of failing when the response was already sent', async () => {
      const harness = new Harness();
      const request = fakeRequest();
      const response = fakeResponse();
      response.headersSent = true;
      (await harness.manager.load(request)).set('a', 1);
      await harness.manager.commit(request, response);
      expect(response.setCookies).toEqual([]);
      expect(harness.store.size).toBe(1);
    });
  });

  describe('regenerate and destroy', () => {
    it('regenerate moves the data to a new ID and the old ID stops loading', async () => {
      const harness = new Harness();
      const first = await harness.start({ cart: ['x'] });
      const oldCookie = harness.cookie;
      const { session, setCookie } = await harness.visit((s) => s.regenerate());
      expect(session.id).not.toBe(first.id);
      expect(setCookie?.split(';')[0]).toBe(`sid=${new SessionSigner([SECRET]).sign(session.id)}`);
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
      expect(destroy).toHaveBeenCalledWith(SessionSigner.hashId(first.id));
      expect(harness.store.size).toBe(0);
      expect(setCookie).toMatch(/^sid=;/);
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
    const alice = { id: 'u-alice', roles: ['admin'], name: 'Alice' };

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
      expect(stored?.data).toEqual({ cart: ['x'], __user: alice });
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

  describe('lifetime (remember me)', () => {
    it('sets a persistent cookie and extends the server expiry to the lifetime', async () => {
      const harness = new Harness();
      await harness.start();
      const lifetime = 30 * DAY;
      now += 10 * SECOND;
      const { session, setCookie } = await harness.visit((s) => s.setLifetime(lifetime));
      expect(attributesOf(setCookie as string)).toContain(`Max-Age=${lifetime / 1000}`);
      const stored = await harness.stored(session);
      expect(stored?.lifetime).toBe(lifetime);
      expect(stored?.expiresAt).toBe(now + lifetime);
      expect(stored?.absoluteExpiresAt).toBe(now + lifetime);
      now += 10 * DAY;
      expect((await harness.visit()).session.get('started')).toBe(true);
    });

    it('stores a new session that only has a lifetime', async () => {
      const harness = new Harness();
      const { setCookie } = await harness.visit((s) => s.setLifetime(MINUTE));
      expect(harness.store.size).toBe(1);
      expect(attributesOf(setCookie as string)).toContain('Max-Age=60');
    });

    it('ends a lifetime session when the lifetime is over, even when active', async () => {
      const harness = new Harness();
      await harness.visit((s) => s.set('a', 1).setLifetime(MINUTE));
      now += 50 * SECOND;
      expect((await harness.visit((s) => s.set('b', 2))).session.isNew).toBe(false);
      now += 10 * SECOND;
      expect((await harness.visit()).session.isNew).toBe(true);
    });

    it('null goes back to a browser-session cookie and the module timeouts', async () => {
      const harness = new Harness();
      await harness.visit((s) => s.set('a', 1).setLifetime(30 * DAY));
      now += MINUTE;
      const { session, setCookie } = await harness.visit((s) => s.setLifetime(null));
      expect(setCookie).toBeDefined();
      expect(setCookie).not.toMatch(/Max-Age|Expires/);
      const stored = await harness.stored(session);
      expect(stored?.lifetime).toBeNull();
      expect(stored?.absoluteExpiresAt).toBe(START + 7 * DAY);
      expect(stored?.expiresAt).toBe(now + DAY);
    });
  });

  describe('rolling expiry', () => {
    const idleTimeout = 1000;

    it('extends the expiry only once a quarter of the idle timeout has passed', async () => {
      const harness = new Harness({ idleTimeout, absoluteTimeout: 10_000 });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      now = START + 249;
      await harness.visit();
      expect(patch).not.toHaveBeenCalled();
      expect((await harness.stored(session))?.expiresAt).toBe(START + idleTimeout);
      now = START + 250;
      const { setCookie } = await harness.visit();
      expect(patch).toHaveBeenCalledTimes(1);
      expect(patch.mock.calls[0][1]).toEqual({ set: {}, unset: [], lastActiveAt: now, expiresAt: now + idleTimeout });
      expect(setCookie).toBeUndefined();
      expect(await harness.stored(session)).toMatchObject({ lastActiveAt: now, expiresAt: now + idleTimeout });
    });

    it('keeps an active session alive past the idle timeout', async () => {
      const harness = new Harness({ idleTimeout, absoluteTimeout: 10_000 });
      await harness.start();
      for (let step = 1; step <= 5; step++) {
        now = START + step * 600;
        expect((await harness.visit()).session.isNew).toBe(false);
      }
    });

    it('never extends beyond the absolute timeout, and then stops writing', async () => {
      const absoluteTimeout = 2000;
      const harness = new Harness({ idleTimeout, absoluteTimeout });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      for (const at of [600, 1200, 1800]) {
        now = START + at;
        await harness.visit();
        const stored = await harness.stored(session);
        expect(stored?.expiresAt).toBe(Math.min(now + idleTimeout, START + absoluteTimeout));
        expect(stored?.absoluteExpiresAt).toBe(START + absoluteTimeout);
      }
      expect(patch).toHaveBeenCalledTimes(2);
      now = START + 1999;
      expect((await harness.visit()).session.isNew).toBe(false);
      now = START + absoluteTimeout;
      expect((await harness.visit()).session.isNew).toBe(true);
    });

    it('does not extend the expiry with rolling false, unless the session changes', async () => {
      const harness = new Harness({ idleTimeout, rolling: false });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      now = START + 900;
      await harness.visit();
      expect(patch).not.toHaveBeenCalled();
      now = START + idleTimeout;
      expect((await harness.visit()).session.isNew).toBe(true);
      expect(await harness.stored(session)).toBeNull();
    });

    it('touch() writes the new expiry at once', async () => {
      const harness = new Harness({ idleTimeout });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      now = START + 10;
      await harness.visit((s) => s.touch());
      expect(patch).toHaveBeenCalledTimes(1);
      expect((await harness.stored(session))?.expiresAt).toBe(now + idleTimeout);
    });
  });

  describe('expiry', () => {
    it('does not load a session idle for the idle timeout, and clears its cookie', async () => {
      const harness = new Harness({ idleTimeout: 1000 });
      await harness.start({ a: 1 });
      now = START + 1000;
      const { session, setCookie } = await harness.visit();
      expect(session.isNew).toBe(true);
      expect(session.toJSON()).toEqual({});
      expect(setCookie).toContain(EPOCH_EXPIRES);
    });

    it('does not load a session past its absolute timeout', async () => {
      const harness = new Harness({ idleTimeout: 1000, absoluteTimeout: 1500 });
      await harness.start({ a: 1 });
      now = START + 900;
      expect((await harness.visit((s) => s.set('a', 2))).session.isNew).toBe(false);
      now = START + 1500;
      expect((await harness.visit()).session.isNew).toBe(true);
    });

    it('does not load a session whose stored expiry passed even if the store returns it', async () => {
      const harness = new Harness();
      const session = await harness.start({ a: 1 });
      const stale = { ...(await harness.stored(session))!, expiresAt: START - 1 };
      jest.spyOn(harness.store, 'get').mockResolvedValue(stale);
      expect((await harness.visit()).session.isNew).toBe(true);
    });
  });

  describe('size limit', () => {
    it('refuses a new session over maxSessionBytes and writes nothing', async () => {
      const harness = new Harness({ maxSessionBytes: 100 });
      const create = jest.spyOn(harness.store, 'create');
      const request = fakeRequest();
      const response = fakeResponse();
      (await harness.manager.load(request)).set('big', 'x'.repeat(100));
      const failure = harness.manager.commit(request, response);
      await expect(failure).rejects.toThrow(SessionTooLargeError);
      await expect(failure).rejects.toMatchObject({ limit: 100 });
      expect(create).not.toHaveBeenCalled();
      expect(response.setCookies).toEqual([]);
    });

    it('refuses a change that makes a stored session too large and keeps the stored data', async () => {
      const harness = new Harness({ maxSessionBytes: 100 });
      const first = await harness.start({ small: 1 });
      const patch = jest.spyOn(harness.store, 'patch');
      const request = fakeRequest(harness.cookie);
      (await harness.manager.load(request)).set('big', 'x'.repeat(100));
      await expect(harness.manager.commit(request, fakeResponse())).rejects.toThrow(SessionTooLargeError);
      expect(patch).not.toHaveBeenCalled();
      expect((await harness.stored(first))?.data).toEqual({ small: 1 });
    });

    it('accepts a session of exactly maxSessionBytes', async () => {
      const harness = new Harness({ maxSessionBytes: 100 });
      const overhead = JSON.stringify({ big: '' }).length;
      await harness.visit((s) => s.set('big', 'x'.repeat(100 - overhead)));
      expect(harness.store.size).toBe(1);
    });
  });

  describe('store failures', () => {
    it('turns a rejected read into SessionStoreUnavailableError, keeping the cause', async () => {
      const harness = new Harness();
      const cause = new Error('ECONNREFUSED');
      jest.spyOn(harness.store, 'get').mockRejectedValue(cause);
      const failure = harness.manager.load(
        fakeRequest(`sid=${new SessionSigner([SECRET]).sign(SessionSigner.generateId())}`),
      );
      await expect(failure).rejects.toThrow(SessionStoreUnavailableError);
      await expect(failure).rejects.toMatchObject({ cause });
    });

    it('does not read the store for a request without a valid cookie', async () => {
      const harness = new Harness();
      const get = jest.spyOn(harness.store, 'get').mockRejectedValue(new Error('down'));
      await expect(harness.manager.load(fakeRequest())).resolves.toBeDefined();
      await expect(harness.manager.load(fakeRequest('sid=forged'))).resolves.toBeDefined();
      expect(get).not.toHaveBeenCalled();
    });

    it.each(['create', 'patch', 'destroy'] as const)(
      'turns a rejected %s into SessionStoreUnavailableError and sets no cookie',
      async (method) => {
        const harness = new Harness();
        if (method !== 'create') {
          await harness.start();
        }
        jest.spyOn(harness.store, method).mockRejectedValue(new Error('down'));
        const request = fakeRequest(harness.cookie);
        const response = fakeResponse();
        const session = await harness.manager.load(request);
        if (method === 'destroy') {
          session.destroy();
        } else {
          session.set('a', 1).regenerate();
        }
        await expect(harness.manager.commit(request, response)).rejects.toThrow(SessionStoreUnavailableError);
        expect(response.setCookies).toEqual([]);
      },
    );

    it('fails with SessionStoreUnavailableError when the store does not answer within storeTimeout', async () => {
      jest.mocked(Date.now).mockRestore();
      const harness = new Harness({ storeTimeout: 50 });
      jest.spyOn(harness.store, 'get').mockReturnValue(new Promise(() => undefined));
      const cookie = `sid=${new SessionSigner([SECRET]).sign(SessionSigner.generateId())}`;
      const started = Date.now();
      await expect(harness.manager.load(fakeRequest(cookie))).rejects.toThrow(/did not answer within 50 ms/);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('fails a hanging write after storeTimeout as well', async () => {
      jest.mocked(Date.now).mockRestore();
      const harness = new Harness({ storeTimeout: 50 });
      jest.spyOn(harness.store, 'create').mockReturnValue(new Promise(() => undefined));
      const failure = harness.visit((s) => s.set('a', 1));
      await expect(failure).rejects.toThrow(SessionStoreUnavailableError);
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
      expect(new SessionSigner([SECRET]).verify(newCookie.slice('sid='.length))).toEqual({
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
