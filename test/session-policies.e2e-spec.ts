import { SessionEvents, SessionService, type SessionEvent } from '../src';
import type { SampleConfig } from '../sample/sample-config';
import { errorBody } from './utils/http-expectations';
import { PLATFORMS } from './utils/platforms';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import type { SessionAgent } from './utils/session-agent';
import { sessionSetCookie } from './utils/session-cookie';
import { useSessionsDatabase } from './utils/sessions-database';
import { sleep } from './utils/sleep';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const ADMIN = { username: 'admin', password: 'admin-pass-123' };
const ALICE_ID = '1';
/** Long enough for the requests right after a login to come before it, even on a busy machine. */
const RENEW_AFTER = 1500;
/** How long the replaced ID still finds the session. */
const GRACE = 1000;

describe('session policies (sample app options)', () => {
  const database = useSessionsDatabase('session_policies');

  describe.each(PLATFORMS)('on %s', (platform) => {
    /** Starts a sample server with these options for the enclosing describe, on an empty table. */
    function sampleServerWith(overrides: Partial<SampleConfig>): () => SampleServer {
      let server: SampleServer | undefined;
      beforeAll(async () => {
        server = await startSampleServer(database.db.url, { platform, ...overrides });
        await database.table.clear();
      });
      afterAll(async () => {
        await server?.close();
      });
      return () => server!;
    }

    /** A client sending these headers on every request (its User-Agent at least), logged in as `user`. */
    async function device(server: SampleServer, headers: Record<string, string>, user = ALICE): Promise<SessionAgent> {
      const agent = server.agent().with(headers);
      await agent.post('/login').send(user).expect(200);
      return agent;
    }

    async function userAgentsListedBy(agent: SessionAgent): Promise<string[]> {
      const response = await agent.get('/sessions').expect(200);
      return response.body.sessions.map((listed: { userAgent: string }) => listed.userAgent);
    }

    async function currentListing(agent: SessionAgent): Promise<{ id: string; ip: string | null }> {
      const response = await agent.get('/sessions').expect(200);
      return response.body.sessions.find((listed: { current: boolean }) => listed.current);
    }

    describe('maxSessionsPerUser: 2, evict-oldest', () => {
      const server = sampleServerWith({ maxSessionsPerUser: 2, sessionLimitPolicy: 'evict-oldest' });

      it('evicts the least recently active session on the third login; the other two keep working', async () => {
        const admin = await device(server(), { 'user-agent': 'Admin' }, ADMIN);
        const first = await device(server(), { 'user-agent': 'First' });
        const second = await device(server(), { 'user-agent': 'Second' });
        // Activity, not age, decides: the first session is now the most recently active.
        await first.post('/cart').send({ itemId: 'socks' }).expect(200);
        const secondId = (await currentListing(second)).id;
        const events: SessionEvent[] = [];
        const subscription = server()
          .app.get(SessionEvents)
          .events$.subscribe((event) => events.push(event));

        const third = await device(server(), { 'user-agent': 'Third' });
        subscription.unsubscribe();

        await second.get('/profile').expect(401);
        await first.get('/profile').expect(200);
        await third.get('/profile').expect(200);
        expect(await userAgentsListedBy(third)).toEqual(['Third', 'First']);
        await admin.get('/profile').expect(200);
        expect(events.filter((event) => event.type === 'revoked')).toEqual([
          expect.objectContaining({ reason: 'session-limit', handle: secondId, userId: ALICE_ID }),
        ]);
      });

      it('does not count other users, nor a device that logs in again', async () => {
        await database.table.clear();
        const first = await device(server(), { 'user-agent': 'First' });
        const second = await device(server(), { 'user-agent': 'Second' });
        await device(server(), { 'user-agent': 'Admin' }, ADMIN);
        await first.post('/login').send(ALICE).expect(200);
        await first.get('/profile').expect(200);
        await second.get('/profile').expect(200);
      });
    });

    describe('maxSessionsPerUser: 2, refuse', () => {
      const server = sampleServerWith({ maxSessionsPerUser: 2, sessionLimitPolicy: 'refuse' });

      it('refuses a third login with 409, issuing no cookie and writing nothing; the two sessions keep working', async () => {
        const first = await device(server(), { 'user-agent': 'First' });
        const second = await device(server(), { 'user-agent': 'Second' });
        const rowsBefore = await database.table.count();

        const stranger = server().agent().with({ 'user-agent': 'Third' });
        const refused = await stranger.post('/login').send(ALICE).expect(409).expect(errorBody);

        expect(sessionSetCookie(refused)).toBeUndefined();
        expect(await database.table.count()).toBe(rowsBefore);
        await first.get('/profile').expect(200);
        await second.get('/profile').expect(200);
        expect((await userAgentsListedBy(first)).sort()).toEqual(['First', 'Second']);
      });

      it("keeps a refused visitor's own session anonymous, with its data, until a session is freed", async () => {
        await database.table.clear();
        const first = await device(server(), { 'user-agent': 'First' });
        const second = await device(server(), { 'user-agent': 'Second' });
        const shopper = server().agent().with({ 'user-agent': 'Third' });
        await shopper.post('/cart').send({ itemId: 'hat' }).expect(200);
        const shopperCookie = shopper.cookie;

        const refused = await shopper.post('/login').send(ALICE).expect(409).expect(errorBody);
        expect(sessionSetCookie(refused)).toBeUndefined();
        expect(shopper.cookie).toBe(shopperCookie);
        await shopper.get('/profile').expect(401);
        await shopper.get('/cart').expect(200, { cart: ['hat'] });

        // A device already counted may log in again.
        await first.post('/login').send(ALICE).expect(200);
        await second.post('/logout').expect(200);
        await shopper.post('/login').send(ALICE).expect(200);
        await shopper.get('/profile').expect(200);
        await shopper.get('/cart').expect(200, { cart: ['hat'] });
        await first.get('/profile').expect(200);
      });

      it('lets no more than two of many simultaneous logins through, and answers 409 to the others', async () => {
        await database.table.clear();
        const devices = Array.from({ length: 8 }, (_, index) =>
          server()
            .agent()
            .with({ 'user-agent': `Device ${index}` }),
        );

        const statuses = await Promise.all(
          devices.map(async (agent) => (await agent.post('/login').send(ALICE)).status),
        );

        expect(statuses.filter((status) => status === 200)).toHaveLength(2);
        expect(statuses.filter((status) => status === 409)).toHaveLength(6);
        expect(await database.table.count()).toBe(2);
      });
    });

    describe(`renewAfter: ${RENEW_AFTER} ms`, () => {
      const server = sampleServerWith({ renewAfter: RENEW_AFTER, renewalGracePeriod: GRACE });

      it('keeps the session ID until renewAfter, then replaces it on the next request, keeping the data', async () => {
        const agent = server().agent().with({ 'user-agent': 'Laptop' });
        await agent.post('/cart').send({ itemId: 'socks' }).expect(200);
        await agent.post('/login').send(ALICE).expect(200);
        const loggedIn = agent.cookie!;

        const early = await agent.get('/cart').expect(200, { cart: ['socks'] });
        expect(sessionSetCookie(early)).toBeUndefined();
        expect(agent.cookie).toBe(loggedIn);
        const { handle } = (await database.table.rowOf(loggedIn))!;

        await sleep(RENEW_AFTER + 100);
        const renewed = await agent.get('/cart').expect(200, { cart: ['socks'] });

        expect(sessionSetCookie(renewed)?.value).toMatch(/\S/);
        expect(agent.cookie).not.toBe(loggedIn);
        await agent.get('/profile').expect(200);
        expect((await database.table.rowOf(agent.cookie!))!.handle).toBe(handle);
        expect(await database.table.rowOf(loggedIn)).toBeUndefined();
        // A request sent with the old cookie before the renewal answered still reaches the session,
        // without renewing it again (the client has the new cookie by now).
        const late = await server().agent(loggedIn).get('/profile').expect(200);
        expect(sessionSetCookie(late)).toBeUndefined();
        await agent.get('/profile').expect(200);
        // After the grace period the old ID is dead.
        await sleep(GRACE + 100);
        await server().agent(loggedIn).get('/profile').expect(401);
        await server().agent(loggedIn).get('/cart').expect(200, { cart: [] });
      });

      it('an ID replaced by a login is dead at once, with no grace period', async () => {
        const agent = server().agent();
        await agent.post('/cart').send({ itemId: 'tea' }).expect(200);
        const anonymous = agent.cookie!;
        await agent.post('/login').send(ALICE).expect(200);
        await server().agent(anonymous).get('/cart').expect(200, { cart: [] });
      });
    });

    describe('bind: ip and userAgent, trustProxy: loopback and 10.0.0.0/8', () => {
      const server = sampleServerWith({ bind: { ip: true, userAgent: true }, trustProxy: ['loopback', '10.0.0.0/8'] });
      const LAPTOP = { 'user-agent': 'Laptop/1.0', 'x-forwarded-for': '198.51.100.7' };

      it('serves the session to the client it was bound to, through any chain of trusted proxies after it', async () => {
        const agent = await device(server(), LAPTOP);
        await agent.get('/profile').expect(200);
        await agent.clone({ 'x-forwarded-for': '198.51.100.7, 10.0.0.2' }).get('/profile').expect(200);
      });

      it.each<{ presented: string; headers: Record<string, string> }>([
        { presented: 'with another User-Agent', headers: { 'user-agent': 'Thief/6.6' } },
        { presented: 'from another IP (X-Forwarded-For)', headers: { 'x-forwarded-for': '203.0.113.66' } },
      ])('destroys a session presented $presented: anonymous there, and for its owner too', async ({ headers }) => {
        const agent = await device(server(), LAPTOP);
        const cookie = agent.cookie!;

        await agent.clone(headers).get('/profile').expect(401);

        await agent.get('/profile').expect(401);
        expect(await database.table.rowOf(cookie)).toBeUndefined();
      });

      it('lists the rightmost X-Forwarded-For address that is not a trusted proxy as the ip', async () => {
        const forwardedFor = '192.0.2.66, 198.51.100.20, 10.0.0.1';
        const agent = await device(server(), { 'user-agent': 'Laptop', 'x-forwarded-for': forwardedFor });
        expect((await currentListing(agent)).ip).toBe('198.51.100.20');
      });
    });

    describe('without trustProxy', () => {
      const server = sampleServerWith({ bind: { ip: true } });

      it('lists the socket address as the ip and ignores X-Forwarded-For, for binding too', async () => {
        const agent = await device(server(), { 'user-agent': 'Laptop', 'x-forwarded-for': '198.51.100.20' });
        expect((await currentListing(agent)).ip).toBe('127.0.0.1');
        await agent.clone({ 'x-forwarded-for': '203.0.113.66' }).get('/profile').expect(200);
        await agent.get('/profile').expect(200);
      });
    });

    describe("tenant from the 'x-tenant' header", () => {
      const server = sampleServerWith({ tenantHeader: 'x-tenant' });

      it("treats a tenant's cookie as anonymous on another tenant, and serves it again on its own", async () => {
        const agent = await device(server(), { 'user-agent': 'A1', 'x-tenant': 'a' });
        const cookie = agent.cookie!;

        await agent.clone({ 'x-tenant': 'b' }).get('/profile').expect(401);
        await server().agent(cookie).get('/profile').expect(401);

        await agent.get('/profile').expect(200);
        expect(agent.cookie).toBe(cookie);
        expect((await database.table.rowOf(cookie, 'a'))!.tenant).toBe('a');
        // The stored hash covers the tenant: the bare ID's hash names no row.
        expect(await database.table.rowOf(cookie)).toBeUndefined();
      });

      it('keeps listings and revocations within the tenant', async () => {
        await database.table.clear();
        const onA1 = await device(server(), { 'user-agent': 'A1', 'x-tenant': 'a' });
        const onA2 = await device(server(), { 'user-agent': 'A2', 'x-tenant': 'a' });
        const onB = await device(server(), { 'user-agent': 'B1', 'x-tenant': 'b' });

        expect((await userAgentsListedBy(onA1)).sort()).toEqual(['A1', 'A2']);
        expect(await userAgentsListedBy(onB)).toEqual(['B1']);

        const bId = (await currentListing(onB)).id;
        await onA1.delete(`/sessions/${bId}`).expect(404);
        await onA1.delete('/sessions/others').expect(200, { revoked: 1 });

        await onA2.get('/profile').expect(401);
        await onA1.get('/profile').expect(200);
        await onB.get('/profile').expect(200);
      });

      it('lets SessionService act on one tenant at a time', async () => {
        await database.table.clear();
        const onA = await device(server(), { 'user-agent': 'A1', 'x-tenant': 'a' });
        const onB = await device(server(), { 'user-agent': 'B1', 'x-tenant': 'b' });
        const sessions = server().app.get(SessionService);

        await expect(sessions.count(ALICE_ID)).resolves.toBe(0);
        await expect(sessions.count(ALICE_ID, { tenant: 'a' })).resolves.toBe(1);
        await expect(sessions.revokeAll(ALICE_ID, { tenant: 'b' })).resolves.toBe(1);

        await onB.get('/profile').expect(401);
        await onA.get('/profile').expect(200);
      });

      it("revokeAll(userId) without a tenant ends the user's sessions in every tenant (the password-change recipe)", async () => {
        await database.table.clear();
        const onA = await device(server(), { 'user-agent': 'A1', 'x-tenant': 'a' });
        const onB = await device(server(), { 'user-agent': 'B1', 'x-tenant': 'b' });
        const admin = await device(server(), { 'user-agent': 'Admin', 'x-tenant': 'a' }, ADMIN);

        await expect(server().app.get(SessionService).revokeAll(ALICE_ID)).resolves.toBe(2);

        await onA.get('/profile').expect(401);
        await onB.get('/profile').expect(401);
        await admin.get('/profile').expect(200);
      });

      it('clears the cookie on logout, as without tenants', async () => {
        const onA = await device(server(), { 'user-agent': 'A1', 'x-tenant': 'a' });
        const loggedIn = onA.cookie;
        const response = await onA.post('/logout').expect(200);
        expect(sessionSetCookie(response)).toMatchObject({ value: '' });
        expect(response.headers['cache-control']).toBe('no-store');
        await server().agent(loggedIn).with({ 'x-tenant': 'a' }).get('/profile').expect(401);
      });
    });
  });
});
