import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { SessionStoreUnavailableError } from '../src';
import { RedisSessionStore } from '../src/redis';
import { randomIdHash, storedSession } from '../src/testing';
import { PLATFORMS } from './utils/platforms';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import { ThrowawayRedis } from './utils/throwaway-redis';
import { waitUntil } from './utils/wait-until';

const STORE_TIMEOUT = 1000;
/** Generous bound for "answers within a few seconds": what matters is that it never hangs. */
const QUICKLY = 5000;

/** The sample on a Redis of the file's own that crashes, restarts, or stops answering. */
describe('Redis store outage', () => {
  let redis: ThrowawayRedis;

  beforeAll(async () => {
    redis = await ThrowawayRedis.create();
    // The outage's start and end are logged as errors, as they should be; not in the test output.
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterAll(async () => {
    await redis?.destroy();
  });

  describe.each(PLATFORMS)('on %s', (platform) => {
    let server: SampleServer;

    beforeAll(async () => {
      server = await startSampleServer('', {
        platform,
        store: 'redis',
        redisUrl: redis.url,
        storeTimeout: STORE_TIMEOUT,
      });
    });

    afterAll(async () => {
      redis.thaw();
      await server?.close();
    });

    async function expect503Quickly(send: () => Promise<{ status: number; body: unknown }>): Promise<void> {
      const started = Date.now();
      const response = await send();
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ error: expect.any(String) });
      expect(Date.now() - started).toBeLessThan(QUICKLY);
    }

    /** Retries until the app serves the session again: it reconnects by itself. */
    const untilServed = (send: () => Promise<{ status: number }>) =>
      waitUntil(async () => (await send()).status === 200, 15_000, 100);

    it('answers 503 while Redis is down, never another 5xx, and serves again once it is back', async () => {
      const agent = server.agent();
      await agent.get('/counter').expect(200, { visits: 1 });

      await redis.stop('SIGKILL');
      await expect503Quickly(() => agent.get('/counter'));
      await expect503Quickly(() => server.agent().put('/kv/a').send({ value: 'new visitor' }));
      await server.agent().get('/health').expect(200, { status: 'ok' });

      await redis.start();
      // This Redis keeps nothing on disk: the session is gone, and the cookie is an anonymous visitor's.
      await untilServed(() => agent.get('/counter'));
      await agent.get('/counter').expect(200, { visits: 2 });
    });

    it('answers 503 while Redis does not answer, and serves again once it does', async () => {
      const agent = server.agent();
      await agent.put('/kv/kept').send({ value: 'before' }).expect(200);

      redis.freeze();
      await expect503Quickly(() => agent.get('/kv'));
      await expect503Quickly(() => agent.put('/kv/kept').send({ value: 'answered 503' }));
      redis.thaw();

      await untilServed(() => agent.get('/kv'));
      await agent.put('/kv/after').send({ value: 'works' }).expect(200);
      await agent.get('/kv').expect(200, { kv: { kept: 'before', after: 'works' } });
    });
  });

  it('refuses a write that reaches Redis after its deadline (queued while Redis did not answer): it never lands', async () => {
    const store = new RedisSessionStore({ url: redis.url });
    try {
      const session = storedSession({ data: { kept: 'before' }, expiresAt: Date.now() + 60_000 });
      const idHash = randomIdHash();
      await store.create(idHash, session, { now: Date.now() });
      redis.freeze();
      const now = Date.now();
      const late = store.patch(session.handle, { set: { kept: 'late' }, unset: [] }, { now, deadline: now + 100 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      redis.thaw();
      await expect(late).rejects.toBeInstanceOf(SessionStoreUnavailableError);
      await expect(store.get(idHash)).resolves.toMatchObject({ data: { kept: 'before' } });
    } finally {
      await store.close();
    }
  });

  it('leaves nothing but its own keys on the server: every key starts with sess:', async () => {
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((key) => !key.startsWith('sess:'))).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
