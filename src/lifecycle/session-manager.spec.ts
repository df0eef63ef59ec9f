import { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { config as rxjsConfig } from 'rxjs';
import {
  SessionLimitExceededError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  SessionValueError,
} from '../core/session.errors';
import type { Session } from '../core/session.interface';
import type { SessionModuleOptions } from '../module/session-module-options.interface';
import { SessionEventPublisher } from '../events/session-event-publisher';
import { buildLifecycle, type Lifecycle } from './lifecycle.fixture';
import { SessionSigner } from '../core/session-signer';
import type { SessionHttpRequest } from '../http/platform/http-platform';
import type { RequestSession } from '../core/request-session';
import type { StoredSession } from '../store/stored-session.interface';
import type { SessionEvent } from '../events/session-event.interface';
import type { SessionUser } from '../core/session-user.interface';
import { MemorySessionStore } from '../store/memory-session.store';

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
  /** Headers set (not appended), by lower-case name. */
  headers: Record<string, string>;
  append(name: string, value: string): void;
  setHeader(name: string, value: string): void;
}

function fakeResponse(): FakeResponse {
  const response: FakeResponse = {
    headersSent: false,
    setCookies: [],
    headers: {},
    append(name, value) {
      if (name.toLowerCase() === 'set-cookie') {
        response.setCookies.push(value);
      }
    },
    setHeader(name, value) {
      response.headers[name.toLowerCase()] = value;
    },
  };
  return response;
}

/** How a request's client differs from the default one (203.0.113.7, "jest-agent"), and any extra headers. */
interface Client {
  ip?: string;
  userAgent?: string;
  headers?: Record<string, string>;
}

function fakeRequest(cookie?: string, client: Client = {}): SessionHttpRequest {
  return {
    headers: { cookie, 'user-agent': client.userAgent ?? 'jest-agent', ...client.headers },
    socket: { remoteAddress: client.ip ?? '203.0.113.7' },
  };
}

/** What a request left behind: its session, the Set-Cookie header (if any), and the cookie the browser would keep. */
interface Visit {
  session: RequestSession;
  setCookie: string | undefined;
  cookie: string | undefined;
}

type Handler = (session: RequestSession) => unknown;

/** The cookie a browser keeps after a response: the new one, none after a clearing header, or the old one. */
function keptCookie(previous: string | undefined, setCookie: string | undefined): string | undefined {
  if (setCookie === undefined) {
    return previous;
  }
  return setCookie.includes(EPOCH_EXPIRES) ? undefined : setCookie.split(';')[0];
}

/**
 * A manager on a real MemorySessionStore, a fake clock, and a one-cookie browser. It records every
 * event published and every session ID it saw (in cookies and sessions), to check that events never leak one.
 */
class Harness {
  readonly store = new MemorySessionStore();
  readonly events: SessionEventPublisher;
  readonly emitted: SessionEvent[] = [];
  readonly ids = new Set<string>();
  readonly manager: Lifecycle;
  cookie: string | undefined;

  constructor(options: Partial<SessionModuleOptions> = {}, store?: MemorySessionStore, events?: SessionEventPublisher) {
    if (store) {
      this.store = store;
    }
    this.events = events ?? new SessionEventPublisher({} as ModuleRef);
    this.events.events$.subscribe((event) => this.emitted.push(event));
    this.manager = buildLifecycle({ secret: SECRET, ...options }, this.store, this.events);
  }

  /** One request: load, run the handler, commit; the browser keeps or drops the cookie as told. */
  async visit(handler?: Handler, cookie = this.cookie, client: Client = {}): Promise<Visit> {
    const { session, setCookie } = await this.send(handler, cookie, client);
    this.cookie = keptCookie(this.cookie, setCookie);
    return { session, setCookie, cookie: this.cookie };
  }

  /** Another browser (device) on the same server, with its own cookie (initially `cookie`) and client. */
  browser(client: Client = {}, cookie?: string): Browser {
    return new Browser(this, client, cookie);
  }

  /** Sends one request and returns the session and the Set-Cookie header, leaving every cookie jar alone. */
  async send(
    handler: Handler = () => undefined,
    cookie: string | undefined,
    client: Client,
  ): Promise<Omit<Visit, 'cookie'>> {
    const cookieId = cookie?.split('=')[1]?.split('.')[0];
    if (cookieId) {
      this.ids.add(cookieId);
    }
    const request = fakeRequest(cookie, client);
    const response = fakeResponse();
    const session = await this.manager.load(request);
    this.ids.add(session.id);
    await handler(session);
    this.ids.add(session.id);
    await this.manager.commit(request, response);
    this.ids.add(session.id);
    expect(response.setCookies.length).toBeLessThanOrEqual(1);
    return { session, setCookie: response.setCookies[0] };
  }

  /** Creates a stored session holding `data` and keeps its cookie. */
  async start(data: Record<string, unknown> = { started: true }): Promise<RequestSession> {
    const { session } = await this.visit((s) => Object.entries(data).forEach(([key, value]) => s.set(key, value)));
    expect(this.cookie).toBeDefined();
    return session;
  }

  /** What the store holds for the session's current ID, if it is still live (the store also returns expired ones). */
  async stored(session: RequestSession): Promise<StoredSession | null> {
    const stored = await this.store.get(SessionSigner.hashId(session.id, session.tenant));
    return stored && stored.expiresAt > Date.now() ? stored : null;
  }

  /** The types of the events published so far, in order. */
  types(): SessionEvent['type'][] {
    return this.emitted.map((event) => event.type);
  }
}

/** One browser: its own cookie jar and client, talking to a harness's manager. */
class Browser {
  constructor(
    private readonly harness: Harness,
    readonly client: Client,
    public cookie: string | undefined,
  ) {}

  async visit(handler?: Handler): Promise<Visit> {
    const { session, setCookie } = await this.harness.send(handler, this.cookie, this.client);
    this.cookie = keptCookie(this.cookie, setCookie);
    return { session, setCookie, cookie: this.cookie };
  }
}

const alice: SessionUser = { id: 'u-alice', roles: ['admin'], name: 'Alice' };
const bob: SessionUser = { id: 'u-bob', roles: [] };

function sign(id: string): string {
  return new SessionSigner([SECRET]).sign(id);
}

function attributesOf(setCookie: string): string[] {
  return setCookie
    .split(';')
    .slice(1)
    .map((part) => part.trim());
}

describe('session lifecycle (loader and committer)', () => {
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
      const [handle, sent, at] = patch.mock.calls[0];
      expect(handle).toBe(session.handle);
      expect(sent.set).toEqual({ change: 2, added: ['x'] });
      expect(sent.unset).toEqual(['drop']);
      expect(sent.newIdHash).toBeUndefined();
      expect(at.now).toBe(START);
      expect(at.maxBytes).toBe(65_536);
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

    it('leaves the expiry alone on a data write within the quarter (a HOT update), but records the activity', async () => {
      const harness = new Harness({ idleTimeout, absoluteTimeout: 10_000 });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      now = START + 100;
      await harness.visit((s) => s.set('a', 1));
      expect(patch.mock.calls[0][1]).toEqual({ set: { a: 1 }, unset: [], lastActiveAt: now });
      expect(await harness.stored(session)).toMatchObject({ lastActiveAt: now, expiresAt: START + idleTimeout });
      now = START + 250;
      await harness.visit((s) => s.set('a', 2));
      expect(patch.mock.calls[1][1]).toMatchObject({ lastActiveAt: now, expiresAt: now + idleTimeout });
    });

    it('with rolling false, a change extends the expiry (once a quarter has passed) and a read does not', async () => {
      const harness = new Harness({ idleTimeout, rolling: false });
      const session = await harness.start();
      now = START + 300;
      await harness.visit();
      expect((await harness.stored(session))?.expiresAt).toBe(START + idleTimeout);
      await harness.visit((s) => s.set('a', 1));
      expect((await harness.stored(session))?.expiresAt).toBe(now + idleTimeout);
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
        fakeRequest(`__Host-sid=${new SessionSigner([SECRET]).sign(SessionSigner.generateId())}`),
      );
      await expect(failure).rejects.toThrow(SessionStoreUnavailableError);
      await expect(failure).rejects.toMatchObject({ cause });
    });

    it('does not read the store for a request without a valid cookie', async () => {
      const harness = new Harness();
      const get = jest.spyOn(harness.store, 'get').mockRejectedValue(new Error('down'));
      await expect(harness.manager.load(fakeRequest())).resolves.toBeDefined();
      await expect(harness.manager.load(fakeRequest('__Host-sid=forged'))).resolves.toBeDefined();
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
      const cookie = `__Host-sid=${new SessionSigner([SECRET]).sign(SessionSigner.generateId())}`;
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

  describe('tenants', () => {
    const byHeader: Partial<SessionModuleOptions> = {
      tenant: (request) => request.headers['x-tenant'] as string | undefined,
    };
    const ACME: Client = { headers: { 'x-tenant': 'acme' } };
    const GLOBEX: Client = { headers: { 'x-tenant': 'globex' } };

    it('stores the session under the hash of tenant and ID, not of the ID alone', async () => {
      const harness = new Harness(byHeader);
      const create = jest.spyOn(harness.store, 'create');
      const { session } = await harness.browser(ACME).visit((s) => s.set('a', 1));
      expect(session.tenant).toBe('acme');
      const [idHash, stored] = create.mock.calls[0];
      expect(idHash).toBe(SessionSigner.hashId(session.id, 'acme'));
      expect(idHash).not.toBe(SessionSigner.hashId(session.id));
      expect(stored.tenant).toBe('acme');
      expect(await harness.store.get(SessionSigner.hashId(session.id))).toBeNull();
    });

    it('serves a cookie on the tenant that issued it and treats it as anonymous on another', async () => {
      const harness = new Harness(byHeader);
      const onAcme = harness.browser(ACME);
      await onAcme.visit((s) => s.login(alice).set('cart', ['x']));
      const get = jest.spyOn(harness.store, 'get');
      const elsewhere = await harness.browser(GLOBEX, onAcme.cookie).visit();
      expect(elsewhere.session.isNew).toBe(true);
      expect(elsewhere.session.user).toBeNull();
      expect(elsewhere.session.toJSON()).toEqual({});
      expect(elsewhere.session.tenant).toBe('globex');
      expect(get).toHaveBeenCalledTimes(1);
      const home = await onAcme.visit();
      expect(home.session.isNew).toBe(false);
      expect(home.session.user).toEqual(alice);
      expect(home.session.get('cart')).toEqual(['x']);
      expect(harness.store.size).toBe(1);
    });

    it("does not clear the cookie of another tenant (a cookie shared across the tenants' hosts)", async () => {
      const harness = new Harness(byHeader);
      const onAcme = harness.browser(ACME);
      await onAcme.visit((s) => s.login(alice));
      const elsewhere = await harness.browser(GLOBEX, onAcme.cookie).visit();
      expect(elsewhere.setCookie).toBeUndefined();
      expect((await onAcme.visit()).session.user).toEqual(alice);
    });

    it('treats a cookie issued without a tenant as anonymous on a tenant', async () => {
      const plain = new Harness();
      await plain.start({ a: 1 });
      const tenanted = new Harness(byHeader, plain.store);
      expect((await tenanted.browser(ACME, plain.cookie).visit()).session.isNew).toBe(true);
    });

    it.each([null, undefined, ''])('treats a resolver answer of %p as no tenant', async (answer) => {
      const harness = new Harness({ tenant: () => answer });
      const session = await harness.start({ a: 1 });
      expect(session.tenant).toBe('');
      expect(await harness.store.get(SessionSigner.hashId(session.id))).not.toBeNull();
      expect((await new Harness({}, harness.store).visit(undefined, harness.cookie)).session.get('a')).toBe(1);
    });
  });

  describe('renewAfter', () => {
    it('changes nothing and writes nothing before renewAfter has passed', async () => {
      const harness = new Harness({ renewAfter: MINUTE });
      const first = await harness.start({ cart: ['x'] });
      const patch = jest.spyOn(harness.store, 'patch');
      now = START + MINUTE - 1;
      const { session, setCookie } = await harness.visit();
      expect(session.id).toBe(first.id);
      expect(setCookie).toBeUndefined();
      expect(patch).not.toHaveBeenCalled();
      expect(harness.types()).toEqual(['created']);
    });

    it('gives the session a new ID on the first request after renewAfter, keeping its data; the old ID dies after the grace period', async () => {
      const harness = new Harness({ renewAfter: MINUTE });
      const first = await harness.start({ cart: ['x'] });
      const oldCookie = harness.cookie;
      now = START + MINUTE;
      const { session, setCookie } = await harness.visit();
      expect(session.id).not.toBe(first.id);
      expect(session.handle).toBe(first.handle);
      expect(setCookie?.split(';')[0]).toBe(`__Host-sid=${sign(session.id)}`);
      expect(harness.store.size).toBe(1);
      expect(await harness.stored(session)).toMatchObject({ data: { cart: ['x'] }, createdAt: START, idIssuedAt: now });
      expect(harness.types()).toEqual(['created', 'renewed']);
      expect(harness.emitted[1]).toMatchObject({ handle: first.handle, userId: null });
      // A request sent with the old cookie before the renewal answered still reaches the session, without a new cookie.
      const inFlight = await harness.browser({}, oldCookie).visit();
      expect(inFlight.session.handle).toBe(first.handle);
      expect(inFlight.setCookie).toBeUndefined();
      now += 10 * SECOND + 1;
      const stale = await harness.browser({}, oldCookie).visit();
      expect(stale.session.isNew).toBe(true);
      expect(stale.session.toJSON()).toEqual({});
      expect((await harness.visit()).session.get('cart')).toEqual(['x']);
    });

    it('counts from the last new ID: the renewal itself, or a login', async () => {
      const harness = new Harness({ renewAfter: MINUTE });
      const first = await harness.start();
      now = START + MINUTE;
      const renewed = (await harness.visit()).session.id;
      expect(renewed).not.toBe(first.id);
      now = START + 2 * MINUTE - 1;
      expect((await harness.visit()).session.id).toBe(renewed);
      const loggedIn = (await harness.visit((s) => s.login(alice))).session.id;
      now = START + 3 * MINUTE - 2;
      expect((await harness.visit()).session.id).toBe(loggedIn);
      now = START + 3 * MINUTE - 1;
      expect((await harness.visit()).session.id).not.toBe(loggedIn);
      expect(harness.types().filter((type) => type === 'renewed')).toHaveLength(2);
    });

    it('lets a parallel request that lost the race to renew keep the cookie the winner sent', async () => {
      const harness = new Harness({ renewAfter: MINUTE });
      await harness.start({ cart: ['x'] });
      now = START + MINUTE;
      const [first, second] = [harness.browser({}, harness.cookie), harness.browser({}, harness.cookie)];
      // Both load with the old ID before either commits, as two requests of one page would.
      const requests = [fakeRequest(first.cookie), fakeRequest(second.cookie)];
      const responses = [fakeResponse(), fakeResponse()];
      const sessions = await Promise.all(requests.map((request) => harness.manager.load(request)));
      expect(sessions.every((session) => session.renewing)).toBe(true);
      await harness.manager.commit(requests[0], responses[0]);
      await harness.manager.commit(requests[1], responses[1]);
      expect(responses[0].setCookies).toHaveLength(1);
      expect(responses[1].setCookies).toEqual([]);
      const winner = responses[0].setCookies[0].split(';')[0];
      expect((await harness.browser({}, winner).visit()).session.get('cart')).toEqual(['x']);
      expect(harness.types().filter((type) => type === 'renewed')).toHaveLength(1);
    });
  });

  describe('bind', () => {
    const HOME: Client = { ip: '198.51.100.1', userAgent: 'Firefox/130' };

    it.each([
      ['IP address', { ip: true }, { ip: '192.0.2.66' }],
      ['user agent', { userAgent: true }, { userAgent: 'curl/8.5' }],
    ])(
      'destroys a session presented from another %s and serves that request anonymously',
      async (_label, bind, elsewhere) => {
        const harness = new Harness({ bind });
        const home = harness.browser(HOME);
        const { session: original } = await home.visit((s) => s.login(alice));
        const thief = harness.browser({ ...HOME, ...elsewhere }, home.cookie);
        const { session, setCookie } = await thief.visit();
        expect(session.isNew).toBe(true);
        expect(session.user).toBeNull();
        expect(setCookie).toContain(EPOCH_EXPIRES);
        expect(harness.store.size).toBe(0);
        expect(harness.emitted.at(-1)).toEqual({
          type: 'rejected',
          reason: 'binding',
          handle: original.handle,
          userId: 'u-alice',
          tenant: '',
          ip: thief.client.ip,
          userAgent: thief.client.userAgent,
          at: expect.any(Date),
        });
        expect((await home.visit()).session.isNew).toBe(true);
      },
    );

    it.each([
      ['IP address', { ip: true }],
      ['user agent', { userAgent: true }],
      ['IP address and user agent', { ip: true, userAgent: true }],
    ])('serves a session bound to the %s when presented by the same client', async (_label, bind) => {
      const harness = new Harness({ bind });
      const home = harness.browser(HOME);
      await home.visit((s) => s.login(alice));
      expect((await home.visit()).session.user).toEqual(alice);
      expect(harness.types()).not.toContain('rejected');
    });

    it('checks only what it is bound to', async () => {
      const harness = new Harness({ bind: { ip: true } });
      const home = harness.browser(HOME);
      await home.visit((s) => s.login(alice));
      const newBrowser = harness.browser({ ...HOME, userAgent: 'Chrome/128' }, home.cookie);
      expect((await newBrowser.visit()).session.user).toEqual(alice);
    });

    it('binds to the client of the login rather than of the creation', async () => {
      const harness = new Harness({ bind: { ip: true } });
      const phone = harness.browser({ ip: '192.0.2.10' });
      await phone.visit((s) => s.set('cart', ['x']));
      const movedPhone = harness.browser({ ip: '192.0.2.10' }, phone.cookie);
      await movedPhone.visit((s) => s.login(alice));
      expect((await movedPhone.visit()).session.user).toEqual(alice);
    });
  });

  describe('client address and user agent', () => {
    // The leftmost address is whatever the client wrote; the proxies at 10.0.0.x appended the rest.
    const BEHIND_PROXY: Client = {
      ip: '10.0.0.2',
      headers: { 'x-forwarded-for': '192.0.2.66, 198.51.100.9, 10.0.0.1' },
    };

    it('takes the IP from the rightmost X-Forwarded-For address that trustProxy does not trust', async () => {
      const harness = new Harness({ trustProxy: 'uniquelocal' });
      const { session } = await harness.browser(BEHIND_PROXY).visit((s) => s.set('a', 1));
      expect((await harness.stored(session))?.ip).toBe('198.51.100.9');
    });

    it('ignores X-Forwarded-For without trustProxy', async () => {
      const harness = new Harness();
      const { session } = await harness.browser(BEHIND_PROXY).visit((s) => s.set('a', 1));
      expect((await harness.stored(session))?.ip).toBe('10.0.0.2');
    });

    it('takes the socket address with trustProxy when there is no X-Forwarded-For', async () => {
      const harness = new Harness({ trustProxy: 'uniquelocal' });
      const { session } = await harness.browser({ ip: '10.0.0.2' }).visit((s) => s.set('a', 1));
      expect((await harness.stored(session))?.ip).toBe('10.0.0.2');
    });

    it('records the IP and user agent of the login request, and keeps them on later requests', async () => {
      const harness = new Harness();
      const atHome = harness.browser({ ip: '198.51.100.1', userAgent: 'Firefox/130' });
      const { session: created } = await atHome.visit((s) => s.set('cart', ['x']));
      expect(await harness.stored(created)).toMatchObject({ ip: '198.51.100.1', userAgent: 'Firefox/130' });
      const atWork = harness.browser({ ip: '192.0.2.20', userAgent: 'Safari/17' }, atHome.cookie);
      const { session } = await atWork.visit((s) => s.login(alice));
      expect(await harness.stored(session)).toMatchObject({ ip: '192.0.2.20', userAgent: 'Safari/17' });
      expect(harness.emitted.at(-1)).toMatchObject({ type: 'logged-in', ip: '192.0.2.20', userAgent: 'Safari/17' });
      const elsewhere = harness.browser({ ip: '203.0.113.99', userAgent: 'Edge/120' }, atWork.cookie);
      const { session: later } = await elsewhere.visit((s) => s.set('more', 1));
      expect(await harness.stored(later)).toMatchObject({ ip: '192.0.2.20', userAgent: 'Safari/17' });
    });
  });

  describe('maxSessionsPerUser', () => {
    /** Logs `user` in on a new device named by its user agent; returns the device and its session's handle. */
    async function loginOn(harness: Harness, device: string, user = alice) {
      const browser = harness.browser({ userAgent: device });
      const { session } = await browser.visit((s) => s.login(user));
      return { browser, handle: session.handle };
    }

    describe('evict-oldest (the default policy)', () => {
      it('deletes the least recently active other session after a login, keeping the new one', async () => {
        const harness = new Harness({ maxSessionsPerUser: 2 });
        const laptop = await loginOn(harness, 'laptop');
        now += SECOND;
        const phone = await loginOn(harness, 'phone');
        now += SECOND;
        await laptop.browser.visit((s) => s.set('seen', true));
        const bobsPhone = await loginOn(harness, 'bob-phone', bob);
        now += SECOND;
        const tablet = await loginOn(harness, 'tablet');
        const revoked = harness.emitted.filter((event) => event.type === 'revoked');
        expect(revoked).toEqual([
          expect.objectContaining({
            reason: 'session-limit',
            handle: phone.handle,
            userId: 'u-alice',
            userAgent: 'phone',
          }),
        ]);
        expect((await phone.browser.visit()).session.user).toBeNull();
        expect((await laptop.browser.visit()).session.user).toEqual(alice);
        expect((await tablet.browser.visit()).session.user).toEqual(alice);
        expect((await bobsPhone.browser.visit()).session.user).toEqual(bob);
      });

      it('deletes as many sessions as needed to get back to the limit', async () => {
        const unlimited = new Harness();
        const old = [];
        for (const device of ['one', 'two', 'three']) {
          now += SECOND;
          old.push(await loginOn(unlimited, device));
        }
        const harness = new Harness({ maxSessionsPerUser: 2 }, unlimited.store);
        now += SECOND;
        const newest = await loginOn(harness, 'four');
        const revoked = harness.emitted.filter((event) => event.type === 'revoked').map((event) => event.handle);
        expect(revoked.sort()).toEqual([old[0].handle, old[1].handle].sort());
        expect(harness.store.size).toBe(2);
        expect((await old[2].browser.visit()).session.user).toEqual(alice);
        expect((await newest.browser.visit()).session.user).toEqual(alice);
      });

      it('does not count a session that logs in again against itself', async () => {
        const harness = new Harness({ maxSessionsPerUser: 2 });
        const laptop = await loginOn(harness, 'laptop');
        const phone = await loginOn(harness, 'phone');
        now += SECOND;
        await laptop.browser.visit((s) => s.login(alice));
        expect(harness.types()).not.toContain('revoked');
        expect((await phone.browser.visit()).session.user).toEqual(alice);
        expect((await laptop.browser.visit()).session.user).toEqual(alice);
      });
    });

    describe('refuse', () => {
      const refuse: Partial<SessionModuleOptions> = { maxSessionsPerUser: 2, sessionLimitPolicy: 'refuse' };

      it('refuses a login beyond the limit with SessionLimitExceededError and writes nothing', async () => {
        const harness = new Harness(refuse);
        const laptop = await loginOn(harness, 'laptop');
        const phone = await loginOn(harness, 'phone');
        const tablet = harness.browser({ userAgent: 'tablet' });
        const { session: anonymous } = await tablet.visit((s) => s.set('cart', ['x']));
        const patch = jest.spyOn(harness.store, 'patch');
        const eventsBefore = harness.emitted.length;
        const request = fakeRequest(tablet.cookie, tablet.client);
        const response = fakeResponse();
        (await harness.manager.load(request)).login(alice);
        const failure = harness.manager.commit(request, response);
        await expect(failure).rejects.toThrow(SessionLimitExceededError);
        await expect(failure).rejects.toMatchObject({ limit: 2 });
        // The store is asked to write only under the limit, so it checks and writes in one step.
        expect(patch).toHaveBeenCalledTimes(1);
        expect(patch.mock.calls[0][2].limit).toEqual({ userId: alice.id, tenant: '', max: 2, now });
        expect(response.setCookies).toEqual([]);
        expect(harness.emitted.slice(eventsBefore)).toEqual([]);
        expect(await harness.stored(anonymous)).toMatchObject({ userId: null, data: { cart: ['x'] } });
        expect((await laptop.browser.visit()).session.user).toEqual(alice);
        expect((await phone.browser.visit()).session.user).toEqual(alice);
      });

      it('refuses a login on a new session without storing it', async () => {
        const harness = new Harness(refuse);
        await loginOn(harness, 'laptop');
        await loginOn(harness, 'phone');
        await expect(loginOn(harness, 'tablet')).rejects.toThrow(SessionLimitExceededError);
        expect(harness.store.size).toBe(2);
      });

      it('lets a session that is already counted log in again', async () => {
        const harness = new Harness(refuse);
        const laptop = await loginOn(harness, 'laptop');
        await loginOn(harness, 'phone');
        await expect(laptop.browser.visit((s) => s.login(alice))).resolves.toBeDefined();
        expect((await laptop.browser.visit()).session.user).toEqual(alice);
      });

      it('counts only live sessions, and only the same user', async () => {
        const harness = new Harness({ ...refuse, idleTimeout: MINUTE });
        await loginOn(harness, 'laptop');
        now += SECOND;
        await loginOn(harness, 'phone');
        await loginOn(harness, 'bob-laptop', bob);
        await loginOn(harness, 'bob-phone', bob);
        now = START + MINUTE;
        await expect(loginOn(harness, 'tablet')).resolves.toBeDefined();
      });
    });
  });

  describe('events', () => {
    it('reports creation, login, regeneration, logout and destruction, with the handle and client', async () => {
      const harness = new Harness();
      const { session } = await harness.visit((s) => s.set('a', 1));
      await harness.visit((s) => s.login(alice));
      await harness.visit((s) => s.regenerate());
      await harness.visit((s) => s.logout());
      await harness.visit((s) => s.destroy());
      expect(harness.emitted.map(({ type, userId }) => [type, userId])).toEqual([
        ['created', null],
        ['regenerated', 'u-alice'],
        ['logged-in', 'u-alice'],
        ['regenerated', 'u-alice'],
        ['regenerated', null],
        ['logged-out', null],
        ['destroyed', null],
      ]);
      for (const event of harness.emitted) {
        expect(event).toEqual({
          type: event.type,
          handle: session.handle,
          userId: event.userId,
          tenant: '',
          ip: '203.0.113.7',
          userAgent: 'jest-agent',
          reason: undefined,
          at: expect.any(Date),
        });
      }
    });

    it('reports created then logged-in for a login on a new session', async () => {
      const harness = new Harness();
      await harness.visit((s) => s.login(alice));
      expect(harness.types()).toEqual(['created', 'logged-in']);
    });

    it('reports nothing for requests that store nothing or only read', async () => {
      const harness = new Harness();
      await harness.visit((s) => s.get('a'));
      await harness.start();
      harness.emitted.length = 0;
      await harness.visit((s) => s.get('started'));
      await harness.visit((s) => s.set('more', 1));
      expect(harness.emitted).toEqual([]);
    });

    it('reports an expired session presented, with its handle and user', async () => {
      const harness = new Harness({ idleTimeout: MINUTE });
      const { session } = await harness.visit((s) => s.login(alice));
      now = START + MINUTE;
      expect((await harness.visit()).session.isNew).toBe(true);
      expect(harness.emitted.at(-1)).toMatchObject({ type: 'expired', handle: session.handle, userId: 'u-alice' });
    });

    it('reports a cookie with a bad signature as rejected, naming no session', async () => {
      const harness = new Harness();
      await harness.start();
      const forged = `__Host-sid=${SessionSigner.generateId()}.${(harness.cookie as string).split('.')[1]}`;
      await harness.visit(undefined, forged);
      expect(harness.emitted.at(-1)).toEqual({
        type: 'rejected',
        reason: 'signature',
        handle: null,
        userId: null,
        tenant: '',
        ip: '203.0.113.7',
        userAgent: 'jest-agent',
        at: expect.any(Date),
      });
    });

    it('never carries a session ID or its stored hash', async () => {
      const harness = new Harness({
        renewAfter: MINUTE,
        idleTimeout: 10 * MINUTE,
        bind: { userAgent: true },
        maxSessionsPerUser: 1,
        tenant: (request) => request.headers['x-tenant'] as string | undefined,
      });
      const acme: Client = { headers: { 'x-tenant': 'acme' } };
      const laptop = harness.browser(acme);
      await laptop.visit((s) => s.set('a', 1));
      await laptop.visit((s) => s.login(alice));
      now += MINUTE;
      await laptop.visit();
      await laptop.visit((s) => s.regenerate());
      const phone = harness.browser(acme);
      await phone.visit((s) => s.login(alice));
      await phone.visit((s) => s.logout());
      await phone.visit((s) => s.destroy());
      await harness.browser(acme, `__Host-sid=${SessionSigner.generateId()}.${'A'.repeat(43)}`).visit();
      const stolen = harness.browser({ ...acme, userAgent: 'thief' });
      await stolen.visit((s) => s.set('b', 1));
      stolen.client.userAgent = 'another';
      await stolen.visit();
      const idle = harness.browser(acme);
      await idle.visit((s) => s.set('c', 1));
      now += 10 * MINUTE;
      await idle.visit();
      expect(new Set(harness.types())).toEqual(
        new Set([
          'created',
          'logged-in',
          'logged-out',
          'regenerated',
          'renewed',
          'destroyed',
          'revoked',
          'expired',
          'rejected',
        ]),
      );
      const secrets = [...harness.ids].flatMap((id) => [
        id,
        SessionSigner.hashId(id),
        SessionSigner.hashId(id, 'acme'),
      ]);
      expect(secrets.length).toBeGreaterThan(20);
      for (const event of harness.emitted) {
        const payload = JSON.stringify(event);
        for (const secret of secrets) {
          expect(payload).not.toContain(secret);
        }
      }
    });

    it('does not fail the request when an EventEmitter2 listener throws', async () => {
      const emitter = {
        emit: jest.fn(() => {
          throw new Error('listener bug');
        }),
      };
      const events = new SessionEventPublisher({ get: () => emitter } as unknown as ModuleRef);
      events.onModuleInit();
      const logged = jest.spyOn(Logger.prototype, 'error');
      const harness = new Harness({}, undefined, events);
      const { session, setCookie } = await harness.visit((s) => s.set('a', 1));
      expect(emitter.emit).toHaveBeenCalledWith('session.created', expect.objectContaining({ type: 'created' }));
      expect(setCookie).toBeDefined();
      expect((await harness.stored(session))?.data).toEqual({ a: 1 });
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('listener bug'));
    });

    it('does not fail the request when an events$ subscriber throws (RxJS reports the error as unhandled)', async () => {
      const unhandled = jest.fn();
      const previous = rxjsConfig.onUnhandledError;
      rxjsConfig.onUnhandledError = unhandled;
      try {
        const harness = new Harness();
        harness.events.events$.subscribe(() => {
          throw new Error('subscriber bug');
        });
        const { session } = await harness.visit((s) => s.set('a', 1));
        expect((await harness.stored(session))?.data).toEqual({ a: 1 });
        expect(harness.types()).toEqual(['created']);
        // RxJS rethrows it from a timer: without onUnhandledError it would crash the process.
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(unhandled).toHaveBeenCalledWith(expect.objectContaining({ message: 'subscriber bug' }));
      } finally {
        rxjsConfig.onUnhandledError = previous;
      }
    });
  });
});
