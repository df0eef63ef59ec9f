import { REAUTHENTICATION_REQUIRED } from '../src';
import { errorBody } from './utils/http-expectations';
import { PLATFORMS } from './utils/platforms';
import { startSampleServer, useSampleServer, type SampleServer } from './utils/sample-server';
import { sessionIdOf, sessionSetCookie } from './utils/session-cookie';
import { useSessionsDatabase } from './utils/sessions-database';
import { sleep } from './utils/sleep';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const ADMIN = { username: 'admin', password: 'admin-pass-123' };
/** SESSION_FRESH_MS for these tests: short, so a proof goes stale within the test, long enough for a login's next request. */
const FRESH_MS = 2000;
const TENANT_HEADER = 'x-tenant';

describe('reauthentication and credential changes (/reauth, /sensitive, /password)', () => {
  const database = useSessionsDatabase('reauthentication');

  describe.each(PLATFORMS)('on %s', (platform) => {
    const config = { platform, freshMs: FRESH_MS, tenantHeader: TENANT_HEADER };
    const server = useSampleServer(() => database.db.url, config);

    async function loggedIn(on: SampleServer, user = ALICE, headers: Record<string, string> = {}) {
      const agent = on.agent().with(headers);
      await agent.post('/login').send(user).expect(200);
      return agent;
    }

    describe('POST /sensitive', () => {
      it('answers 200 right after the login', async () => {
        const agent = await loggedIn(server);
        await agent.post('/sensitive').expect(200, { ok: true });
      });

      it('answers 401 to an anonymous client, with or without a session', async () => {
        await server.agent().post('/sensitive').expect(401).expect(errorBody);
        const visitor = server.agent();
        await visitor.get('/counter').expect(200);
        await visitor.post('/sensitive').expect(401).expect(errorBody);
      });

      it('answers 403 REAUTHENTICATION_REQUIRED once the password check is older than SESSION_FRESH_MS; /reauth renews the ID and opens it again', async () => {
        const agent = await loggedIn(server);
        await sleep(FRESH_MS + 200);
        const refused = await agent.post('/sensitive').expect(403);
        expect(refused.body).toEqual({ error: expect.stringMatching(/\S/), code: REAUTHENTICATION_REQUIRED });
        expect(REAUTHENTICATION_REQUIRED).toBe('REAUTHENTICATION_REQUIRED');
        // Still logged in: only the sensitive route asks for more.
        await agent.get('/profile').expect(200);

        const before = agent.clone();
        const reauth = await agent.post('/reauth').send({ password: ALICE.password }).expect(200, { ok: true });
        expect(sessionSetCookie(reauth)).toBeDefined();
        expect(sessionIdOf(agent.cookie!)).not.toBe(sessionIdOf(before.cookie!));
        await agent.post('/sensitive').expect(200, { ok: true });
        await agent.get('/profile').expect(200);
        await before.get('/profile').expect(401).expect(errorBody);
        await before.post('/sensitive').expect(401);
      });
    });

    describe('POST /reauth', () => {
      it('answers 401 for a wrong password and leaves the session as it was', async () => {
        const agent = await loggedIn(server);
        const cookie = agent.cookie;
        const response = await agent.post('/reauth').send({ password: 'not-alice-pass' }).expect(401);
        errorBody(response);
        expect(sessionSetCookie(response)).toBeUndefined();
        expect(agent.cookie).toBe(cookie);
        await agent.get('/profile').expect(200);
      });

      it("refuses another user's password", async () => {
        const agent = await loggedIn(server);
        await agent.post('/reauth').send({ password: ADMIN.password }).expect(401).expect(errorBody);
      });

      it('answers 401 when anonymous and 400 for a malformed body', async () => {
        await server.agent().post('/reauth').send({ password: ALICE.password }).expect(401).expect(errorBody);
        const agent = await loggedIn(server);
        await agent.post('/reauth').send({ pass: ALICE.password }).expect(400).expect(errorBody);
        await agent.post('/reauth').send({ password: 42 }).expect(400).expect(errorBody);
      });
    });

    describe('POST /password', () => {
      let other: SampleServer;

      beforeAll(async () => {
        other = await startSampleServer(database.db.url, config);
      });

      afterAll(async () => {
        await other?.close();
      });

      it('answers 401 for a wrong current password and changes nothing', async () => {
        const agent = await loggedIn(server, ADMIN);
        const device = await loggedIn(server, ADMIN);
        await agent
          .post('/password')
          .send({ current: 'wrong-pass', next: 'new-admin-pass-456' })
          .expect(401)
          .expect(errorBody);
        await device.get('/profile').expect(200);
        await agent.get('/profile').expect(200);
        await server.agent().post('/login').send(ADMIN).expect(200);
      });

      it('answers 401 when anonymous and 400 for a malformed body', async () => {
        await server.agent().post('/password').send({ current: 'a', next: 'b' }).expect(401).expect(errorBody);
        const agent = await loggedIn(server, ADMIN);
        await agent.post('/password').send({ current: ADMIN.password }).expect(400).expect(errorBody);
      });

      it("ends the user's other sessions in every tenant and on every instance, renews this one, and changes the password", async () => {
        await database.table.clear();
        const [agent, laptop, inAcme, onOther, alice] = await Promise.all([
          loggedIn(server, ADMIN),
          loggedIn(server, ADMIN),
          loggedIn(server, ADMIN, { [TENANT_HEADER]: 'acme' }),
          loggedIn(other, ADMIN),
          loggedIn(server, ALICE),
        ]);
        for (const device of [laptop, inAcme, onOther]) {
          await device.get('/profile').expect(200);
        }
        const before = agent.clone();

        const next = 'new-admin-pass-456';
        const response = await agent.post('/password').send({ current: ADMIN.password, next }).expect(200);
        expect(response.body).toEqual({ revoked: 3 });
        expect(sessionSetCookie(response)).toBeDefined();
        expect(sessionIdOf(agent.cookie!)).not.toBe(sessionIdOf(before.cookie!));

        for (const device of [laptop, inAcme, onOther]) {
          await device.get('/profile').expect(401).expect(errorBody);
        }
        await before.get('/profile').expect(401);
        await agent.get('/profile').expect(200, { userId: '2', username: 'admin', roles: ['user', 'admin'] });
        // The current password was checked: the renewed session counts as freshly authenticated.
        await agent.post('/sensitive').expect(200, { ok: true });
        // Someone else's session is not touched.
        await alice.get('/profile').expect(200);

        await server.agent().post('/login').send(ADMIN).expect(401).expect(errorBody);
        await server.agent().post('/login').send({ username: 'admin', password: next }).expect(200);
      });
    });
  });
});
