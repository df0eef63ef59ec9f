import type { Response } from 'supertest';
import { useSessionsDatabase } from './utils/sessions-database';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';
import { SESSION_COOKIE, sessionIdOf, sessionSetCookie } from './utils/session-cookie';
import type { SessionAgent } from './utils/session-agent';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const TOKEN = /^[A-Za-z0-9_-]{64}$/;

/** For supertest's `.expect(fn)`: the contract's 403 body, with the guard's stable code. */
function refused(code: 'CSRF_TOKEN_MISSING' | 'CSRF_TOKEN_INVALID') {
  return (response: Response): void => {
    expect(response.body).toEqual({ error: expect.stringMatching(/\S/), code });
  };
}

/** The session's CSRF token, fetched the way a client does. */
async function tokenOf(agent: SessionAgent): Promise<string> {
  const response = await agent.get('/csrf').expect(200);
  expect(Object.keys(response.body)).toEqual(['token']);
  expect(response.body.token).toMatch(TOKEN);
  return response.body.token as string;
}

describe('CSRF protection (SESSION_CSRF)', () => {
  const database = useSessionsDatabase('csrf');

  describe.each(PLATFORMS)('on %s', (platform) => {
    describe('SESSION_CSRF=true', () => {
      const server = useSampleServer(() => database.db.url, { platform, csrf: true });

      /** A visitor whose session holds a cart of one item. */
      async function shopper(): Promise<SessionAgent> {
        const agent = server.agent();
        await agent
          .post('/cart')
          .send({ itemId: 'socks' })
          .expect(200, { cart: ['socks'] });
        expect(agent.cookie).toBeDefined();
        return agent;
      }

      it('lets unsafe requests without a session cookie through: there is no session to forge them with', async () => {
        await server.agent().post('/cart').send({ itemId: 'socks' }).expect(200);
        await server.agent().post('/login').send(ALICE).expect(200);
        await server.agent().put('/kv/a').set('Cookie', 'theme=dark').send({ value: 1 }).expect(200);
      });

      it('answers 403 CSRF_TOKEN_MISSING to unsafe requests that carry the cookie but no token, before the route runs', async () => {
        const agent = await shopper();
        await agent.post('/cart').send({ itemId: 'shoes' }).expect(403).expect(refused('CSRF_TOKEN_MISSING'));
        await agent.put('/kv/a').send({ value: 1 }).expect(403).expect(refused('CSRF_TOKEN_MISSING'));
        await agent.delete('/sessions/others').expect(403).expect(refused('CSRF_TOKEN_MISSING'));
        await agent.get('/cart').expect(200, { cart: ['socks'] });
        await agent.get('/kv').expect(200, { kv: {} });
      });

      it('answers 403 CSRF_TOKEN_INVALID to a wrong or malformed token, never a 500', async () => {
        const agent = await shopper();
        const token = await tokenOf(agent);
        const flipped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
        for (const wrong of [flipped, token.slice(1), `${token}=`, 'not a token', '%00', 'x'.repeat(5000)]) {
          await agent
            .post('/cart')
            .set('X-CSRF-Token', wrong)
            .send({ itemId: 'shoes' })
            .expect(403)
            .expect(refused('CSRF_TOKEN_INVALID'));
        }
        await agent.get('/cart').expect(200, { cart: ['socks'] });
      });

      it('accepts the token of GET /csrf, a new one on every call, each of them valid', async () => {
        const agent = await shopper();
        const [first, second] = [await tokenOf(agent), await tokenOf(agent)];
        expect(first).not.toBe(second);

        await agent.post('/cart').set('X-CSRF-Token', first).send({ itemId: 'shoes' }).expect(200);
        await agent.put('/kv/a').set('x-csrf-token', second).send({ value: 1 }).expect(200, { ok: true });
        await agent.get('/cart').expect(200, { cart: ['socks', 'shoes'] });
      });

      it('creates the session of a visitor without one on GET /csrf, whose token then works', async () => {
        const agent = server.agent();
        const response = await agent.get('/csrf').expect(200);
        expect(sessionSetCookie(response)?.value).toBeTruthy();
        await agent.post('/cart').set('X-CSRF-Token', response.body.token).send({ itemId: 'socks' }).expect(200);
      });

      it('needs the token on /login when a session cookie comes, and the token still works after login changed the ID', async () => {
        const agent = await shopper();
        const token = await tokenOf(agent);
        const before = agent.cookie!;

        await agent.post('/login').send(ALICE).expect(403).expect(refused('CSRF_TOKEN_MISSING'));
        await agent.post('/login').set('X-CSRF-Token', token).send(ALICE).expect(200);

        expect(sessionIdOf(agent.cookie!)).not.toBe(sessionIdOf(before));
        await agent.post('/cart').set('X-CSRF-Token', token).send({ itemId: 'shoes' }).expect(200);
        await agent.get('/profile').expect(200);
        // A second login (another new ID) keeps it too.
        await agent.post('/login').set('X-CSRF-Token', token).send(ALICE).expect(200);
        await agent.delete('/sessions/others').set('X-CSRF-Token', token).expect(200);
      });

      it("refuses another session's token", async () => {
        const [mine, theirs] = [await shopper(), await shopper()];
        const theirToken = await tokenOf(theirs);
        await tokenOf(mine);

        await mine
          .post('/cart')
          .set('X-CSRF-Token', theirToken)
          .send({ itemId: 'shoes' })
          .expect(403)
          .expect(refused('CSRF_TOKEN_INVALID'));
      });

      it('refuses every token for a cookie that names no session, until the client fetches a new one', async () => {
        const agent = await shopper();
        const token = await tokenOf(agent);
        const forged = server.agent(`${SESSION_COOKIE}=forged`);

        await forged.post('/cart').send({ itemId: 'x' }).expect(403).expect(refused('CSRF_TOKEN_MISSING'));
        await forged.post('/cart').set('X-CSRF-Token', token).send({ itemId: 'x' }).expect(403);
        const fresh = await tokenOf(forged);
        expect(forged.cookie).not.toBe(`${SESSION_COOKIE}=forged`);
        await forged
          .post('/cart')
          .set('X-CSRF-Token', fresh)
          .send({ itemId: 'x' })
          .expect(200, { cart: ['x'] });
      });

      it('gives two parallel first GET /csrf on one session tokens that both stay valid', async () => {
        for (let round = 0; round < 5; round++) {
          const agent = await shopper();
          const responses = await Promise.all([agent.clone().get('/csrf'), agent.clone().get('/csrf')]);
          const tokens = responses.map((response) => response.body.token as string);
          expect(new Set(tokens).size).toBe(2);
          for (const token of tokens) {
            await agent.post('/cart').set('X-CSRF-Token', token).send({ itemId: 'x' }).expect(200);
          }
        }
      });

      it('reads the token from the body field `_csrf` when the header is absent', async () => {
        const agent = await shopper();
        const token = await tokenOf(agent);

        await agent
          .post('/cart')
          .send({ itemId: 'shoes', _csrf: token })
          .expect(200, { cart: ['socks', 'shoes'] });
        await agent
          .post('/cart')
          .send({ itemId: 'hat', _csrf: 'wrong' })
          .expect(403)
          .expect(refused('CSRF_TOKEN_INVALID'));
      });

      it('never asks safe methods for a token', async () => {
        const agent = await shopper();
        await agent.get('/cart').expect(200);
        await agent.get('/counter').expect(200, { visits: 1 });
      });
    });

    describe('SESSION_CSRF off (the default)', () => {
      const server = useSampleServer(() => database.db.url, { platform });

      it('lets unsafe requests with the cookie through without a token, and GET /csrf still answers', async () => {
        const agent = server.agent();
        await agent.post('/cart').send({ itemId: 'socks' }).expect(200);
        await agent
          .post('/cart')
          .send({ itemId: 'shoes' })
          .expect(200, { cart: ['socks', 'shoes'] });
        await agent.post('/login').send(ALICE).expect(200);
        await agent.post('/cart').set('X-CSRF-Token', 'wrong').send({ itemId: 'hat' }).expect(200);
        await tokenOf(agent);
      });
    });
  });
});
