import type { Response } from 'supertest';
import { KV_PREFIX } from '../sample/sample-session';
import { PLATFORMS } from './utils/platforms';
import { sleep } from './utils/sleep';
import { useSampleServer } from './utils/sample-server';
import { SESSION_COOKIE, sessionSetCookie } from './utils/session-cookie';
import { useSessionsDatabase } from './utils/sessions-database';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
/** Trials of each race per platform: the old code lost about 9 in 10, so a handful already shows a regression. */
const TRIALS = 25;
const MAX_BYTES = 65_536;

/** The `name=value` a response set for the session, '' when it cleared it, undefined when it set none. */
function cookieSetBy(response: Response): string | undefined {
  const cookie = sessionSetCookie(response);
  return cookie && (cookie.value ? `${SESSION_COOKIE}=${cookie.value}` : '');
}

describe('races between requests of one session', () => {
  const database = useSessionsDatabase('races');

  describe.each(PLATFORMS)('on %s', (platform) => {
    // Every request renews the ID, so every request races with its neighbours' renewals.
    const server = useSampleServer(() => database.db.url, { platform, renewAfter: 1 });

    it(`logout beside a renewing request ends the session whatever ID it has by then (${TRIALS} trials)`, async () => {
      const survivors: string[] = [];
      for (let trial = 0; trial < TRIALS; trial++) {
        const agent = server.agent();
        await agent.post('/login').send(ALICE).expect(200);
        const before = agent.cookie!;
        const [renewing, logout] = await Promise.all([
          server.agent(before).get('/counter').expect(200),
          server.agent(before).post('/logout').expect(200),
        ]);
        expect(cookieSetBy(logout)).toBe('');
        for (const cookie of [before, cookieSetBy(renewing)]) {
          if (cookie && (await server.agent(cookie).get('/profile')).status !== 401) {
            survivors.push(`trial ${trial}: ${cookie === before ? 'the old' : 'the renewed'} cookie still logged in`);
          }
        }
      }
      expect(survivors).toEqual([]);
    });

    it(`login beside a renewing request logs in, with a cookie that works (${TRIALS} trials)`, async () => {
      const failures: string[] = [];
      for (let trial = 0; trial < TRIALS; trial++) {
        const agent = server.agent();
        await agent
          .post('/cart')
          .send({ itemId: `item-${trial}` })
          .expect(200);
        const before = agent.cookie!;
        const [, login] = await Promise.all([
          server.agent(before).get('/counter').expect(200),
          server.agent(before).post('/login').send(ALICE).expect(200),
        ]);
        const loggedIn = cookieSetBy(login);
        if (!loggedIn) {
          failures.push(
            `trial ${trial}: the login answered 200 with ${loggedIn === '' ? 'a cleared cookie' : 'no cookie'}`,
          );
          continue;
        }
        const profile = await server.agent(loggedIn).get('/profile');
        const cart = await server.agent(loggedIn).get('/cart');
        if (profile.status !== 200 || JSON.stringify(cart.body.cart) !== JSON.stringify([`item-${trial}`])) {
          failures.push(`trial ${trial}: /profile ${profile.status}, cart ${JSON.stringify(cart.body)}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('a write beside a renewal is not lost', async () => {
      const agent = server.agent();
      await agent.post('/login').send(ALICE).expect(200);
      const before = agent.cookie!;
      const [renewing, write] = await Promise.all([
        server.agent(before).get('/counter').expect(200),
        server.agent(before).put('/kv/kept').send({ value: 'yes' }).expect(200),
      ]);
      const working = [cookieSetBy(renewing), cookieSetBy(write)].filter(Boolean) as string[];
      const answers = await Promise.all(working.map((cookie) => server.agent(cookie).get('/kv')));
      expect(answers.some((answer) => answer.status === 200 && answer.body.kv.kept === 'yes')).toBe(true);
    });
  });

  describe.each(PLATFORMS)('on %s, without renewal', (platform) => {
    const server = useSampleServer(() => database.db.url, { platform, maxSessionBytes: MAX_BYTES });

    it('holds maxSessionBytes against 30 parallel writes of 59 KB: 413 for those that would pass it, earlier content kept', async () => {
      const agent = server.agent();
      const marker = `first-${platform}`;
      await agent.put(`/kv/${marker}`).send({ value: 'small' }).expect(200);
      const cookie = agent.cookie!;
      const value = 'x'.repeat(59 * 1024);
      // Writes wait (reads do not), so every request has read the small session before any of
      // them writes: each alone stays under the limit, together they do not.
      const releaseWrites = await database.table.holdWrites(5000);
      const pending = Promise.all(
        Array.from({ length: 30 }, (_, index) => server.agent(cookie).put(`/kv/k${index}`).send({ value })),
      );
      await sleep(800);
      await releaseWrites();
      const responses = await pending;
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status !== 200 && status !== 413)).toEqual([]);
      const accepted = responses
        .map((response, index) => [response.status, `k${index}`] as const)
        .filter(([status]) => status === 200);
      expect(accepted).toHaveLength(1);

      const [row, ...others] = await database.table.rowsWithKey(`${KV_PREFIX}${marker}`);
      expect(others).toEqual([]);
      const stored = Buffer.byteLength(JSON.stringify(row.data), 'utf8');
      expect(stored).toBeLessThanOrEqual(MAX_BYTES);
      expect(Object.keys(row.data).filter((key) => /^kv:k\d+$/.test(key))).toEqual(
        accepted.map(([, key]) => `${KV_PREFIX}${key}`),
      );
      expect(row.data).toMatchObject({ [`${KV_PREFIX}${marker}`]: 'small' });
    });
  });
});
