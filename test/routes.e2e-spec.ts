import { useSessionsDatabase } from './utils/sessions-database';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';
import { setCookieHeaders } from './utils/session-cookie';
import type { SessionAgent } from './utils/session-agent';
import { errorBody } from './utils/http-expectations';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const ADMIN = { username: 'admin', password: 'admin-pass-123' };

describe('sample HTTP contract', () => {
  const database = useSessionsDatabase('routes');

  describe.each(PLATFORMS)('routes on %s', (platform) => {
    const server = useSampleServer(() => database.db.url, { platform });

    /** A client that has logged in as `credentials`. */
    async function loggedIn(credentials: { username: string; password: string }): Promise<SessionAgent> {
      const agent = server.agent();
      await agent.post('/login').send(credentials).expect(200);
      return agent;
    }

    describe('GET /health', () => {
      it('answers 200 {"status":"ok"} without a cookie and without creating a session', async () => {
        const before = await database.table.count();
        const response = await server.agent().get('/health').expect(200, { status: 'ok' });
        expect(setCookieHeaders(response)).toEqual([]);
        expect(await database.table.count()).toBe(before);
      });

      it('does not read or write a session even when a valid cookie comes with it', async () => {
        const agent = server.agent();
        await agent.get('/counter').expect(200);
        // Make a refresh of the expiry due, so any request that loads the session would write it.
        await database.table.backdateActivity(agent.cookie!, 12 * 60 * 60 * 1000);
        const before = await database.table.rowOf(agent.cookie!);
        const count = await database.table.count();

        const response = await agent.get('/health').expect(200, { status: 'ok' });

        expect(setCookieHeaders(response)).toEqual([]);
        expect(await database.table.rowOf(agent.cookie!)).toEqual(before);
        expect(await database.table.count()).toBe(count);
        // Control: a route that does load the session writes the refresh, so the check above can see writes.
        await agent.get('/cart').expect(200);
        expect((await database.table.rowOf(agent.cookie!))!.expiresAt).toBeGreaterThan(before!.expiresAt);
      });
    });

    describe('GET /counter', () => {
      it('counts the calls of each session separately', async () => {
        const first = server.agent();
        const second = server.agent();
        await first.get('/counter').expect(200, { visits: 1 });
        await first.get('/counter').expect(200, { visits: 2 });
        await second.get('/counter').expect(200, { visits: 1 });
        await first.get('/counter').expect(200, { visits: 3 });
        await second.get('/counter').expect(200, { visits: 2 });
      });
    });

    describe('/cart', () => {
      it('GET answers an empty cart for a new visitor', async () => {
        await server.agent().get('/cart').expect(200, { cart: [] });
      });

      it('POST appends the item and GET returns the cart', async () => {
        const agent = server.agent();
        await agent
          .post('/cart')
          .send({ itemId: 'apple' })
          .expect(200, { cart: ['apple'] });
        await agent
          .post('/cart')
          .send({ itemId: 'pear' })
          .expect(200, { cart: ['apple', 'pear'] });
        await agent.get('/cart').expect(200, { cart: ['apple', 'pear'] });
        await server.agent().get('/cart').expect(200, { cart: [] });
      });
    });

    describe('/kv', () => {
      it('PUT stores a value per key and GET returns them all', async () => {
        const agent = server.agent();
        await agent.get('/kv').expect(200, { kv: {} });
        await agent.put('/kv/color').send({ value: 'blue' }).expect(200, { ok: true });
        await agent
          .put('/kv/prefs')
          .send({ value: { dark: true, sizes: [1, 2], none: null } })
          .expect(200, { ok: true });
        await agent.put('/kv/color').send({ value: 'green' }).expect(200, { ok: true });
        await agent
          .get('/kv')
          .expect(200, { kv: { color: 'green', prefs: { dark: true, sizes: [1, 2], none: null } } });
      });
    });

    describe('/flash', () => {
      it('GET returns the queued messages by type once, then nothing', async () => {
        const agent = server.agent();
        await agent.post('/flash').send({ type: 'info', message: 'saved' }).expect(200);
        await agent.post('/flash').send({ type: 'error', message: 'oops' }).expect(200);
        await agent.post('/flash').send({ type: 'info', message: 'again' }).expect(200);
        await agent.get('/flash').expect(200, { messages: { info: ['saved', 'again'], error: ['oops'] } });
        await agent.get('/flash').expect(200, { messages: {} });
      });
    });

    describe('POST /login', () => {
      it('answers 200 with the user', async () => {
        const alice = await server.agent().post('/login').send(ALICE).expect(200);
        expect(alice.body).toEqual({ user: { id: expect.any(String), username: 'alice', roles: ['user'] } });
        const admin = await server
          .agent()
          .post('/login')
          .send({ ...ADMIN, remember: false })
          .expect(200);
        expect(admin.body).toEqual({ user: { id: expect.any(String), username: 'admin', roles: ['user', 'admin'] } });
        expect(admin.body.user.id).not.toBe(alice.body.user.id);
      });

      it.each([
        ['a wrong password', { username: 'alice', password: 'admin-pass-123' }],
        ['an unknown user', { username: 'mallory', password: 'alice-pass-123' }],
      ])('answers 401 {"error"} for %s and does not log in', async (_, credentials) => {
        const agent = server.agent();
        await agent.post('/login').send(credentials).expect(401).expect(errorBody);
        await agent.get('/profile').expect(401).expect(errorBody);
      });

      it.each([
        ['an empty object', {}],
        ['a missing password', { username: 'alice' }],
        ['a missing username', { password: 'alice-pass-123' }],
        ['a numeric username', { username: 42, password: 'alice-pass-123' }],
        ['a password that is not a string', { username: 'alice', password: ['alice-pass-123'] }],
        ['a remember flag that is not a boolean', { ...ALICE, remember: 'yes' }],
        ['a JSON array', [ALICE]],
        ['a JSON string', '"alice"'],
      ])('answers 400 {"error"} for %s', async (_, body) => {
        const agent = server.agent();
        const test = agent.post('/login');
        await (typeof body === 'string' ? test.type('json').send(body) : test.send(body)).expect(400).expect(errorBody);
        await agent.get('/profile').expect(401);
      });

      it('answers 400 {"error"} for a body that is not valid JSON', async () => {
        await server.agent().post('/login').type('json').send('{"username": "alice",').expect(400).expect(errorBody);
      });

      it('answers 400 {"error"} for a body that is not JSON at all', async () => {
        await server
          .agent()
          .post('/login')
          .type('text')
          .send('username=alice&password=alice-pass-123')
          .expect(400)
          .expect(errorBody);
        await server.agent().post('/login').type('form').send(ALICE).expect(400).expect(errorBody);
        await server.agent().post('/login').expect(400).expect(errorBody);
      });
    });

    describe('GET /profile', () => {
      it('answers 200 with the logged-in user', async () => {
        const agent = server.agent();
        const login = await agent.post('/login').send(ALICE).expect(200);
        await agent.get('/profile').expect(200, { userId: login.body.user.id, username: 'alice', roles: ['user'] });
      });

      it('answers 401 {"error"} without a logged-in session', async () => {
        await server.agent().get('/profile').expect(401).expect(errorBody);
        const anonymous = server.agent();
        await anonymous.get('/counter').expect(200);
        await anonymous.get('/profile').expect(401).expect(errorBody);
      });
    });

    describe('GET /admin', () => {
      it('answers 200 {"ok":true} for admin', async () => {
        await (await loggedIn(ADMIN)).get('/admin').expect(200, { ok: true });
      });

      it('answers 403 {"error"} for a user without the admin role', async () => {
        await (await loggedIn(ALICE)).get('/admin').expect(403).expect(errorBody);
      });

      it('answers 401 {"error"} for an anonymous visitor', async () => {
        await server.agent().get('/admin').expect(401).expect(errorBody);
      });
    });

    describe('POST /logout', () => {
      it('answers 200 and ends the login', async () => {
        const agent = await loggedIn(ALICE);
        await agent.post('/logout').expect(200);
        await agent.get('/profile').expect(401).expect(errorBody);
      });

      it('answers 200 for an anonymous visitor', async () => {
        await server.agent().post('/logout').expect(200);
      });
    });
  });
});
