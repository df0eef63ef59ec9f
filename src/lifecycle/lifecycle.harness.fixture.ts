import { Logger } from '@nestjs/common';
/** Test support for the lifecycle specs: a fake clock-driven harness of loader and committer on a memory store. */
import type { ModuleRef } from '@nestjs/core';
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

export const SECRET = 'current-secret-0123456789-abcdefghijkl';
export const OLD_SECRET = 'old-secret-0123456789-abcdefghijklmnopqr';
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const DAY = 24 * 60 * MINUTE;
export const START = 1_700_000_000_000;
export const EPOCH_EXPIRES = 'Expires=Thu, 01 Jan 1970 00:00:00 GMT';

/** An Express-like response that records the headers appended to it. */
export interface FakeResponse {
  headersSent: boolean;
  setCookies: string[];
  /** Headers set (not appended), by lower-case name. */
  headers: Record<string, string>;
  append(name: string, value: string): void;
  setHeader(name: string, value: string): void;
}

export function fakeResponse(): FakeResponse {
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
export interface Client {
  ip?: string;
  userAgent?: string;
  headers?: Record<string, string>;
}

export function fakeRequest(cookie?: string, client: Client = {}): SessionHttpRequest {
  return {
    headers: { cookie, 'user-agent': client.userAgent ?? 'jest-agent', ...client.headers },
    socket: { remoteAddress: client.ip ?? '203.0.113.7' },
  };
}

/** What a request left behind: its session, the Set-Cookie header (if any), and the cookie the browser would keep. */
export interface Visit {
  session: RequestSession;
  setCookie: string | undefined;
  cookie: string | undefined;
}

export type Handler = (session: RequestSession) => unknown;

/** The cookie a browser keeps after a response: the new one, none after a clearing header, or the old one. */
export function keptCookie(previous: string | undefined, setCookie: string | undefined): string | undefined {
  if (setCookie === undefined) {
    return previous;
  }
  return setCookie.includes(EPOCH_EXPIRES) ? undefined : setCookie.split(';')[0];
}

/**
 * A manager on a real MemorySessionStore, a fake clock, and a one-cookie browser. It records every
 * event published and every session ID it saw (in cookies and sessions), to check that events never leak one.
 */
export class Harness {
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
export class Browser {
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

export const alice: SessionUser = { id: 'u-alice', roles: ['admin'], name: 'Alice' };
export const bob: SessionUser = { id: 'u-bob', roles: [] };

export function sign(id: string): string {
  return new SessionSigner([SECRET]).sign(id);
}

export function attributesOf(setCookie: string): string[] {
  return setCookie
    .split(';')
    .slice(1)
    .map((part) => part.trim());
}

/**
 * The fake clock every lifecycle spec runs on: `Date.now()` answers `clock.now`, which starts at
 * {@link START} before each test and moves when a test sets it. Register it at the top of a describe.
 */
export function useFakeClock(): { now: number } {
  const clock = { now: START };
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    clock.now = START;
    jest.spyOn(Date, 'now').mockImplementation(() => clock.now);
  });
  afterEach(() => jest.restoreAllMocks());
  return clock;
}
