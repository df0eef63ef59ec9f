import { useSessionsDatabase } from './utils/sessions-database';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';
import { sessionSetCookie } from './utils/session-cookie';
import { sleep } from './utils/sleep';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;
const IDLE_TIMEOUT = 800;
const ABSOLUTE_TIMEOUT = 2400;
/** Well within the idle timeout, and past the quarter of it after which a read refreshes the expiry. */
const ACTIVITY_INTERVAL = 250;
/**
 * Longest a request may take for the "still alive" steps to be certain. Generous: CI runs every test file at
 * once on two shared cores, and a request that took 150 ms once made this test fail there.
 */
const LATENCY_ALLOWANCE = 500;

describe('session expiry', () => {
  const database = useSessionsDatabase('expiry');

  describe.each(PLATFORMS)('on %s', (platform) => {
    /** Short idle and absolute timeouts; cleanup off, so expired rows stay in the table. */
    const server = useSampleServer(() => database.db.url, {
      platform,
      idleTimeout: IDLE_TIMEOUT,
      absoluteTimeout: ABSOLUTE_TIMEOUT,
      cleanupInterval: 0,
    });

    it('treats a session idle for longer than the idle timeout as no session, although its row is still there', async () => {
      const agent = server.agent();
      await agent.post('/login').send(ALICE).expect(200);
      await agent.post('/cart').send({ itemId: 'tea' }).expect(200);
      await agent.get('/counter').expect(200, { visits: 1 });
      const cookie = agent.cookie!;

      await sleep(IDLE_TIMEOUT + 150);

      const row = await database.table.rowOf(cookie);
      expect(row).toBeDefined();
      expect(row!.data).toMatchObject({ cart: ['tea'], visits: 1 });
      await server.agent(cookie).get('/profile').expect(401);
      await server.agent(cookie).get('/cart').expect(200, { cart: [] });
      await server.agent(cookie).get('/counter').expect(200, { visits: 1 });
      // Serving it as anonymous did not revive or rewrite the expired row.
      expect(await database.table.rowOf(cookie)).toEqual(row);
    });

    it('keeps a session alive past its idle timeout while read-only requests keep coming', async () => {
      const agent = server.agent();
      await agent.get('/counter').expect(200, { visits: 1 });
      const created = Date.now();

      while (Date.now() < created + 2 * IDLE_TIMEOUT) {
        await sleep(ACTIVITY_INTERVAL);
        await agent.get('/cart').expect(200, { cart: [] });
      }

      await agent.get('/counter').expect(200, { visits: 2 });
    });

    it('keeps a used session alive past its idle timeout, but never past its absolute timeout', async () => {
      const agent = server.agent();
      const start = Date.now();
      await agent.get('/counter').expect(200, { visits: 1 });
      const created = Date.now(); // the server created the session between `start` and now
      const cookie = agent.cookie!;

      let visits = 1;
      let lastAliveCheck = start;
      let lastRequest: number;
      for (;;) {
        await sleep(ACTIVITY_INTERVAL);
        lastRequest = Date.now();
        if (lastRequest + LATENCY_ALLOWANCE < start + ABSOLUTE_TIMEOUT) {
          await agent.get('/counter').expect(200, { visits: ++visits });
          lastAliveCheck = lastRequest;
        } else if (lastRequest < created + ABSOLUTE_TIMEOUT + 20) {
          // Too close to the absolute expiry to predict the answer: only keep the session from idling out.
          await server.agent(cookie).get('/cart').expect(200);
        } else {
          break;
        }
      }

      // Used well past the idle timeout...
      expect(lastAliveCheck).toBeGreaterThan(created + IDLE_TIMEOUT + ACTIVITY_INTERVAL);
      // ...and last used recently enough that only the absolute timeout can end it now.
      const sentAt = Date.now();
      await agent.get('/counter').expect(200, { visits: 1 });
      expect(sentAt - lastRequest).toBeLessThan(IDLE_TIMEOUT);
      const row = (await database.table.rowOf(cookie))!;
      expect(row.absoluteExpiresAt - row.createdAt).toBeCloseTo(ABSOLUTE_TIMEOUT, -1);
      expect(row.expiresAt).toBeLessThanOrEqual(row.absoluteExpiresAt);
    });

    it('keeps a remember-me session past both short timeouts', async () => {
      const agent = server.agent();
      await agent.get('/counter').expect(200, { visits: 1 });
      await agent
        .post('/login')
        .send({ ...ALICE, remember: true })
        .expect(200);

      await sleep(ABSOLUTE_TIMEOUT + 100);

      await agent.get('/profile').expect(200);
      await agent.get('/counter').expect(200, { visits: 2 });
      const row = (await database.table.rowOf(agent.cookie!))!;
      expect(row.lifetimeMs).toBe(THIRTY_DAYS_MS);
      expect(row.expiresAt - Date.now()).toBeGreaterThan(THIRTY_DAYS_MS - 60_000);
    });
  });

  describe.each(PLATFORMS)('with a long idle timeout on %s', (platform) => {
    const LONG_IDLE_TIMEOUT = 60_000;
    const server = useSampleServer(() => database.db.url, {
      platform,
      idleTimeout: LONG_IDLE_TIMEOUT,
      cleanupInterval: 0,
    });

    it('does not write a session that was only read within the first quarter of its idle timeout', async () => {
      const agent = server.agent();
      await agent.post('/cart').send({ itemId: 'milk' }).expect(200);
      const cookie = agent.cookie!;
      const before = (await database.table.rowOf(cookie))!;
      await sleep(50); // so a write, had there been one, would carry a later timestamp

      const response = await agent.get('/cart').expect(200, { cart: ['milk'] });

      expect(sessionSetCookie(response)).toBeUndefined();
      expect(await database.table.rowOf(cookie)).toEqual(before);
    });

    it('writes the refreshed expiry of a read once a quarter of the idle timeout has passed (control)', async () => {
      const agent = server.agent();
      await agent.post('/cart').send({ itemId: 'milk' }).expect(200);
      const cookie = agent.cookie!;
      await database.table.backdateActivity(cookie, LONG_IDLE_TIMEOUT / 4 + 5_000);
      const before = (await database.table.rowOf(cookie))!;

      await agent.get('/cart').expect(200, { cart: ['milk'] });

      const after = (await database.table.rowOf(cookie))!;
      expect(after.expiresAt).toBeGreaterThan(before.expiresAt + LONG_IDLE_TIMEOUT / 4);
      expect(after.lastActiveAt).toBeGreaterThan(before.lastActiveAt);
      expect(after.data).toEqual(before.data);
    });
  });
});
