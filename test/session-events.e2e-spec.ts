import type { Subscription } from 'rxjs';
import { SessionEvents, type SessionEvent, type SessionEventType } from '../src';
import type { SampleConfig } from '../sample/sample-config';
import { SessionAuditListener } from '../sample/session-audit.listener';
import { PLATFORMS } from './utils/platforms';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import type { SessionAgent } from './utils/session-agent';
import { hashSessionId, SESSION_COOKIE, sessionIdOf } from './utils/session-cookie';
import { sleep } from './utils/sleep';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const ALICE_ID = '1';
const IDLE_TIMEOUT = 1500;
const RENEW_AFTER = 200;
const LAPTOP = { 'user-agent': 'Laptop/1.0' };

/**
 * Everything a running sample app publishes: what `SessionEvents.events$` emits, and what the
 * sample's `@OnEvent('session.*')` listener receives through @nestjs/event-emitter.
 */
class EventLog {
  readonly published: SessionEvent[] = [];
  readonly audited: SessionEvent[] = [];
  /** Every cookie value the clients held, to check that no event gives one away. */
  private readonly cookies = new Set<string>();
  private readonly subscription: Subscription;
  private readonly spy: jest.SpyInstance;

  constructor(server: SampleServer) {
    this.subscription = server.app.get(SessionEvents).events$.subscribe((event) => this.published.push(event));
    this.spy = jest
      .spyOn(server.app.get(SessionAuditListener), 'record')
      .mockImplementation((event: SessionEvent) => void this.audited.push(event));
  }

  /** Remembers the cookie an agent holds now. */
  saw(agent: SessionAgent): void {
    if (agent.cookie) {
      this.cookies.add(agent.cookie);
    }
  }

  clear(): void {
    this.published.length = 0;
    this.audited.length = 0;
  }

  types(): SessionEventType[] {
    return this.published.map((event) => event.type);
  }

  ofType(type: SessionEventType): SessionEvent[] {
    return this.published.filter((event) => event.type === type);
  }

  /** The cookie values, session IDs, signatures and stored hashes seen so far. */
  secrets(): string[] {
    return [...this.cookies].flatMap((cookie) => {
      const value = cookie.slice(SESSION_COOKIE.length + 1);
      const id = sessionIdOf(cookie);
      return [value, id, value.split('.')[1], hashSessionId(id)];
    });
  }

  stop(): void {
    this.subscription.unsubscribe();
    this.spy.mockRestore();
  }
}

describe('session lifecycle events', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('session_events');
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe.each(PLATFORMS)('on %s', (platform) => {
    /** A sample server with these options for the enclosing describe, and the log of its events. */
    function observedServer(overrides: Partial<SampleConfig>): { server: () => SampleServer; log: () => EventLog } {
      let server: SampleServer | undefined;
      let log: EventLog | undefined;
      beforeAll(async () => {
        server = await startSampleServer(db.url, { platform, ...overrides });
        log = new EventLog(server);
      });
      beforeEach(() => log!.clear());
      afterEach(() => {
        // Both channels carry the same events, and none of them gives a session away.
        expect(log!.audited).toEqual(log!.published);
        const payloads = JSON.stringify(log!.published);
        for (const secret of log!.secrets()) {
          expect(payloads).not.toContain(secret);
        }
      });
      afterAll(async () => {
        log?.stop();
        await server?.close();
      });
      return { server: () => server!, log: () => log! };
    }

    /** The `id` under which `GET /sessions` lists the agent's own session (its handle). */
    async function handleOf(agent: SessionAgent): Promise<string> {
      const response = await agent.get('/sessions').expect(200);
      return response.body.sessions.find((listed: { current: boolean }) => listed.current).id;
    }

    describe('with user-agent binding', () => {
      const { server, log } = observedServer({ bind: { userAgent: true } });

      /** A visitor with a cart, not logged in. */
      async function shopper(): Promise<SessionAgent> {
        const agent = server().agent().with(LAPTOP);
        await agent.post('/cart').send({ itemId: 'socks' }).expect(200);
        log().saw(agent);
        return agent;
      }

      async function loggedIn(): Promise<SessionAgent> {
        const agent = server().agent().with(LAPTOP);
        await agent.post('/login').send(ALICE).expect(200);
        log().saw(agent);
        return agent;
      }

      it('publishes created when a session is first stored, with its client and no user', async () => {
        await shopper();
        expect(log().published).toEqual([
          {
            type: 'created',
            handle: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
            userId: null,
            tenant: '',
            ip: '127.0.0.1',
            userAgent: 'Laptop/1.0',
            reason: undefined,
            at: expect.any(Date),
          },
        ]);
      });

      it('publishes regenerated then logged-in for a login, under the same handle', async () => {
        const agent = await shopper();
        const [created] = log().published;
        log().clear();

        await agent.post('/login').send(ALICE).expect(200);
        log().saw(agent);

        expect(log().types()).toEqual(['regenerated', 'logged-in']);
        for (const event of log().published) {
          expect(event).toMatchObject({ handle: created.handle, userId: ALICE_ID, userAgent: 'Laptop/1.0' });
        }
        expect(await handleOf(agent)).toBe(created.handle);
      });

      it('publishes created then logged-in for a visitor who logs in without a session', async () => {
        await loggedIn();
        expect(log().types()).toEqual(['created', 'logged-in']);
        expect(log().ofType('logged-in')[0]).toMatchObject({ userId: ALICE_ID });
      });

      it("publishes destroyed when the sample's /logout destroys the session (not logged-out)", async () => {
        const agent = await loggedIn();
        const handle = await handleOf(agent);
        log().clear();

        await agent.post('/logout').expect(200);

        expect(log().published).toEqual([expect.objectContaining({ type: 'destroyed', handle, userId: ALICE_ID })]);
      });

      it('publishes revoked, reason revoked, when DELETE /sessions/:id revokes a session', async () => {
        const laptop = await loggedIn();
        const phone = server().agent().with({ 'user-agent': 'Phone/2.0' });
        await phone.post('/login').send(ALICE).expect(200);
        log().saw(phone);
        const phoneHandle = await handleOf(phone);
        log().clear();

        await laptop.delete(`/sessions/${phoneHandle}`).expect(200);

        expect(log().published).toEqual([
          expect.objectContaining({
            type: 'revoked',
            reason: 'revoked',
            handle: phoneHandle,
            userId: ALICE_ID,
            userAgent: 'Phone/2.0',
          }),
        ]);
      });

      it('publishes rejected, reason signature, for a tampered cookie, naming no session', async () => {
        const agent = await loggedIn();
        const [id, signature] = agent.cookie!.slice(SESSION_COOKIE.length + 1).split('.');
        const flipped = signature[0] === 'A' ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
        log().clear();

        await server().agent(`${SESSION_COOKIE}=${id}.${flipped}`).with(LAPTOP).get('/profile').expect(401);

        expect(log().published).toEqual([
          expect.objectContaining({ type: 'rejected', reason: 'signature', handle: null, userId: null }),
        ]);
        expect(JSON.stringify(log().published)).not.toContain(flipped);
      });

      it('publishes rejected, reason binding, for a session presented with another User-Agent', async () => {
        const agent = await loggedIn();
        const handle = await handleOf(agent);
        log().clear();

        await agent.clone({ 'user-agent': 'Thief/6.6' }).get('/profile').expect(401);

        expect(log().published).toEqual([
          expect.objectContaining({
            type: 'rejected',
            reason: 'binding',
            handle,
            userId: ALICE_ID,
            userAgent: 'Thief/6.6',
          }),
        ]);
      });

      it('publishes nothing for requests that change nothing', async () => {
        const agent = await loggedIn();
        log().clear();
        await agent.get('/profile').expect(200);
        await agent.get('/cart').expect(200);
        await server().agent().get('/health').expect(200);
        expect(log().published).toEqual([]);
      });
    });

    describe(`with an idle timeout of ${IDLE_TIMEOUT} ms and renewAfter ${RENEW_AFTER} ms`, () => {
      const { server, log } = observedServer({ idleTimeout: IDLE_TIMEOUT, renewAfter: RENEW_AFTER });

      async function shopper(): Promise<SessionAgent> {
        const agent = server().agent().with(LAPTOP);
        await agent.post('/cart').send({ itemId: 'socks' }).expect(200);
        log().saw(agent);
        return agent;
      }

      it('publishes expired when a request presents a session past its idle timeout', async () => {
        const agent = await shopper();
        const [created] = log().published;
        log().clear();

        await sleep(IDLE_TIMEOUT + 100);
        await agent.get('/cart').expect(200, { cart: [] });
        log().saw(agent);

        expect(log().ofType('expired')).toEqual([expect.objectContaining({ handle: created.handle, userId: null })]);
      });

      it('publishes renewed when renewAfter replaces the session ID', async () => {
        const agent = await shopper();
        const [created] = log().published;
        log().clear();

        await sleep(RENEW_AFTER + 100);
        await agent.get('/cart').expect(200, { cart: ['socks'] });
        log().saw(agent);

        expect(log().published).toEqual([expect.objectContaining({ type: 'renewed', handle: created.handle })]);
      });
    });
  });
});
