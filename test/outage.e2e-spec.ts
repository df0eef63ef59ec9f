import { Logger } from '@nestjs/common';
import request from 'supertest';
import { PLATFORMS } from './utils/platforms';
import { cookieOf } from './utils/sample-app';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import { TcpProxy } from './utils/tcp-proxy';
import { createTestDatabase, TestDatabase } from './utils/test-database';

const STORE_TIMEOUT = 1000;
/** Generous bound for "answers within a few seconds": what matters is that it never hangs. */
const QUICKLY = 5000;
const ALICE = { username: 'alice', password: 'alice-pass-123' };

/** Runs a request and measures how long it took. */
async function timed(send: () => request.Test): Promise<{ response: request.Response; elapsed: number }> {
  const started = Date.now();
  const response = await send();
  return { response, elapsed: Date.now() - started };
}

describe('session store outage (sample app behind a TCP proxy)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('outage');
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe.each(PLATFORMS)('on %s', (platform) => {
    let proxy: TcpProxy;
    let server: SampleServer;
    const http = () => request(server.url);

    /** A session with `visits` already counted, created while the database is reachable. */
    async function sessionWithVisits(visits: number): Promise<string> {
      const first = await http().get('/counter').expect(200, { visits: 1 });
      const cookie = cookieOf(first.headers['set-cookie'])!;
      for (let n = 2; n <= visits; n++) {
        await http().get('/counter').set('Cookie', cookie).expect(200, { visits: n });
      }
      return cookie;
    }

    function expect503Quickly({ response, elapsed }: { response: request.Response; elapsed: number }): void {
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ error: expect.any(String) });
      expect(elapsed).toBeLessThan(QUICKLY);
    }

    /** Sends 8 requests on the session at once; each must get its 503 quickly. */
    async function expectPiledUpRequests503Quickly(cookie: string): Promise<void> {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => timed(() => http().get('/counter').set('Cookie', cookie))),
      );
      results.forEach(expect503Quickly);
    }

    /** Concurrent requests open every connection the pool (5) allows, then all of them stall. */
    async function stallEveryPooledConnection(cookie: string): Promise<void> {
      await Promise.all(Array.from({ length: 10 }, () => http().get('/cart').set('Cookie', cookie).expect(200)));
      proxy.stall();
    }

    beforeAll(async () => {
      proxy = await TcpProxy.start(db.url);
      // init() runs the migrations through the proxy, so the table exists before any cut.
      server = await startSampleServer(proxy.url(db.url), { platform, storeTimeout: STORE_TIMEOUT });
    });

    beforeEach(() => {
      // Every store failure is logged by design; keep the expected ones out of the test output.
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });

    afterEach(() => {
      proxy.restore();
      jest.restoreAllMocks();
    });

    afterAll(async () => {
      await server?.close();
      await proxy?.close();
    });

    describe('when connections are refused and open ones destroyed', () => {
      it('answers 503 {error} quickly for a route that needs the session', async () => {
        const cookie = await sessionWithVisits(2);
        proxy.cut('refuse');
        expect503Quickly(await timed(() => http().get('/counter').set('Cookie', cookie)));
      });

      it('answers 503 {error} when a new session cannot be stored', async () => {
        proxy.cut('refuse');
        const { response, elapsed } = await timed(() => http().get('/counter'));
        expect503Quickly({ response, elapsed });
        expect(response.headers['set-cookie']).toBeUndefined();
      });

      it('still answers /health, which never touches the store', async () => {
        proxy.cut('refuse');
        await http().get('/health').expect(200, { status: 'ok' });
      });
    });

    describe('when the database is black-holed (accepts, never answers)', () => {
      it('answers 503 {error} after about storeTimeout instead of hanging', async () => {
        const cookie = await sessionWithVisits(1);
        proxy.cut('blackhole');
        expect503Quickly(await timed(() => http().get('/counter').set('Cookie', cookie)));
      });

      it('keeps answering 503 quickly while requests pile up', async () => {
        const cookie = await sessionWithVisits(1);
        proxy.cut('blackhole');
        await expectPiledUpRequests503Quickly(cookie);
      });
    });

    describe('when open connections stall mid-query (network partition)', () => {
      it('answers 503 quickly even once every pooled connection is stuck, and recovers when it heals', async () => {
        const cookie = await sessionWithVisits(1);
        await stallEveryPooledConnection(cookie);
        // More requests than the pool has connections: the later ones wait for a connection, not a query.
        await expectPiledUpRequests503Quickly(cookie);
        expect503Quickly(await timed(() => http().get('/counter').set('Cookie', cookie)));
        proxy.restore();
        await http().get('/counter').set('Cookie', cookie).expect(200, { visits: 2 });
      });

      it('recovers although the stalled connections stay half-open after the partition heals', async () => {
        const cookie = await sessionWithVisits(1);
        await stallEveryPooledConnection(cookie);
        await expectPiledUpRequests503Quickly(cookie);
        // The stuck connections are never closed by the network: the store must have thrown them out itself.
        proxy.restore({ keepHeld: true });
        await http().get('/counter').set('Cookie', cookie).expect(200, { visits: 2 });
        await http().get('/counter').set('Cookie', cookie).expect(200, { visits: 3 });
      });
    });

    describe('after the database comes back', () => {
      it.each(['refuse', 'blackhole'] as const)(
        'serves the same cookie again and keeps counting (cut: %s)',
        async (mode) => {
          const cookie = await sessionWithVisits(2);
          proxy.cut(mode);
          expect503Quickly(await timed(() => http().get('/counter').set('Cookie', cookie)));
          expect503Quickly(await timed(() => http().get('/counter').set('Cookie', cookie)));
          proxy.restore();
          // The very first request after the outage must work: no stale pooled connection may fail it.
          await http().get('/counter').set('Cookie', cookie).expect(200, { visits: 3 });
          await http().get('/counter').set('Cookie', cookie).expect(200, { visits: 4 });
        },
      );

      it('answers /login 503 during the outage and 200 afterwards, keeping the session data', async () => {
        const cookie = await sessionWithVisits(2);
        proxy.cut('refuse');
        expect503Quickly(await timed(() => http().post('/login').set('Cookie', cookie).send(ALICE)));
        expect503Quickly(await timed(() => http().post('/login').send(ALICE)));
        proxy.restore();
        const login = await http().post('/login').set('Cookie', cookie).send(ALICE).expect(200);
        const loggedIn = cookieOf(login.headers['set-cookie'])!;
        expect(loggedIn).not.toEqual(cookie);
        await http()
          .get('/profile')
          .set('Cookie', loggedIn)
          .expect(200, { userId: '1', username: 'alice', roles: ['user'] });
        await http().get('/counter').set('Cookie', loggedIn).expect(200, { visits: 3 });
      });

      it('uses new connections through the proxy once restored', async () => {
        proxy.cut('refuse');
        await http().get('/counter').expect(503);
        proxy.restore();
        const before = proxy.connectionCount;
        await http().get('/counter').expect(200, { visits: 1 });
        expect(proxy.connectionCount).toBeGreaterThan(before);
      });
    });
  });
});
