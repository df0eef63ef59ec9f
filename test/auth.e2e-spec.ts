import { useSessionsDatabase } from './utils/sessions-database';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';
import { SESSION_COOKIE, sessionIdOf, sessionSetCookie, setCookieHeaders } from './utils/session-cookie';
import { errorBody } from './utils/http-expectations';
import type { SessionAgent } from './utils/session-agent';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const ADMIN = { username: 'admin', password: 'admin-pass-123' };

describe('login and logout', () => {
  const database = useSessionsDatabase('auth');

  describe.each(PLATFORMS)('on %s', (platform) => {
    const server = useSampleServer(() => database.db.url, { platform });

    /** A visitor with a cart of one item and a counter at 1, not logged in. */
    async function shopper(): Promise<SessionAgent> {
      const agent = server.agent();
      await agent
        .post('/cart')
        .send({ itemId: 'socks' })
        .expect(200, { cart: ['socks'] });
      await agent.get('/counter').expect(200, { visits: 1 });
      return agent;
    }

    describe('POST /login', () => {
      it('issues a new session ID and keeps the data stored before login under it', async () => {
        const agent = await shopper();
        const before = agent.cookie!;

        const response = await agent.post('/login').send(ALICE).expect(200);

        expect(sessionSetCookie(response)).toBeDefined();
        expect(sessionIdOf(agent.cookie!)).not.toBe(sessionIdOf(before));
        await agent.get('/cart').expect(200, { cart: ['socks'] });
        await agent.get('/counter').expect(200, { visits: 2 });
        await agent.get('/profile').expect(200);
        // The row moved to the new ID: nothing is left under the old one.
        expect(await database.table.rowOf(before)).toBeUndefined();
        expect((await database.table.rowOf(agent.cookie!))!.data).toMatchObject({ cart: ['socks'], visits: 2 });
      });

      it('makes the pre-login cookie anonymous', async () => {
        const agent = await shopper();
        const beforeLogin = agent.clone();
        await agent.post('/login').send(ALICE).expect(200);

        await beforeLogin.get('/profile').expect(401).expect(errorBody);
        await beforeLogin.get('/cart').expect(200, { cart: [] });
        await beforeLogin.get('/counter').expect(200, { visits: 1 });
        expect(beforeLogin.cookie).not.toBe(agent.cookie);
        // The logged-in session did not see the old cookie's new visit.
        await agent.get('/counter').expect(200, { visits: 2 });
      });

      it('issues a session to a visitor who had none', async () => {
        const agent = server.agent();
        const login = await agent.post('/login').send(ALICE).expect(200);
        expect(agent.cookie).toBeDefined();
        await agent.get('/profile').expect(200, { userId: login.body.user.id, username: 'alice', roles: ['user'] });
      });

      it('issues another new ID when a logged-in user logs in again, and the previous one stops working', async () => {
        const agent = await shopper();
        await agent.post('/login').send(ALICE).expect(200);
        const asAlice = agent.clone();
        await agent.post('/login').send(ADMIN).expect(200);

        expect(sessionIdOf(agent.cookie!)).not.toBe(sessionIdOf(asAlice.cookie!));
        const profile = await agent.get('/profile').expect(200);
        expect(profile.body).toMatchObject({ username: 'admin', roles: ['user', 'admin'] });
        await agent.get('/cart').expect(200, { cart: ['socks'] });
        await asAlice.get('/profile').expect(401);
      });

      it('leaves the session as it was after wrong credentials', async () => {
        const agent = await shopper();
        const cookie = agent.cookie;
        await agent
          .post('/login')
          .send({ ...ALICE, password: 'nope-nope-nope' })
          .expect(401)
          .expect(errorBody);
        expect(agent.cookie).toBe(cookie);
        await agent.get('/cart').expect(200, { cart: ['socks'] });
        await agent.get('/profile').expect(401);
      });
    });

    describe('POST /logout', () => {
      it('destroys the session on the server and clears the cookie', async () => {
        const agent = await shopper();
        await agent.post('/login').send(ALICE).expect(200);
        const loggedIn = agent.cookie!;
        expect(await database.table.rowOf(loggedIn)).toBeDefined();

        const response = await agent.post('/logout').expect(200);

        const cleared = setCookieHeaders(response).find((header) => header.startsWith(`${SESSION_COOKIE}=`));
        expect(cleared).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
        expect(cleared).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
        expect(cleared).toContain('Path=/');
        expect(agent.cookie).toBeUndefined();
        expect(await database.table.rowOf(loggedIn)).toBeUndefined();
      });

      it('makes a replayed cookie anonymous', async () => {
        const agent = await shopper();
        await agent.post('/login').send(ALICE).expect(200);
        const replay = agent.clone();
        await agent.post('/logout').expect(200);

        await replay.get('/profile').expect(401).expect(errorBody);
        await replay.get('/cart').expect(200, { cart: [] });
        await replay.get('/counter').expect(200, { visits: 1 });
        expect(replay.cookie).not.toBe(agent.cookie);
      });

      it('works for a session that never logged in', async () => {
        const agent = await shopper();
        const cookie = agent.cookie!;
        await agent.post('/logout').expect(200);
        expect(await database.table.rowOf(cookie)).toBeUndefined();
        await server.agent(cookie).get('/cart').expect(200, { cart: [] });
      });
    });

    describe('guards', () => {
      it('GET /profile: 401 anonymous, 200 with the user once logged in, 401 after logout', async () => {
        const agent = server.agent();
        await agent.get('/profile').expect(401).expect(errorBody);
        const login = await agent.post('/login').send(ALICE).expect(200);
        const profile = await agent.get('/profile').expect(200);
        expect(profile.body).toEqual({ userId: login.body.user.id, username: 'alice', roles: ['user'] });
        await agent.post('/logout').expect(200);
        await agent.get('/profile').expect(401).expect(errorBody);
      });

      it('GET /admin: 401 anonymous, 403 without the role, 200 with it', async () => {
        const agent = server.agent();
        await agent.get('/admin').expect(401).expect(errorBody);
        await agent.post('/login').send(ALICE).expect(200);
        await agent.get('/admin').expect(403).expect(errorBody);
        await agent.post('/login').send(ADMIN).expect(200);
        await agent.get('/admin').expect(200, { ok: true });
      });

      it('GET /admin (guarded, no @Session()): the guard saves what the load decided, a rolling extension', async () => {
        const agent = server.agent();
        await agent.post('/login').send(ADMIN).expect(200);
        const idle = 86_400_000;
        await database.table.backdateActivity(agent.cookie!, idle / 2);
        const before = Date.now();
        await agent.get('/admin').expect(200, { ok: true });
        const row = await database.table.rowOf(agent.cookie!);
        expect(row?.lastActiveAt).toBeGreaterThanOrEqual(before - 1000);
        expect(row?.expiresAt).toBeGreaterThanOrEqual(before + idle - 1000);
      });
    });
  });
});
