import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { SessionStoreUnavailableError, type SessionChangeSubscription } from '../src';
import { RedisSessionStore } from '../src/redis';
import { randomIdHash, storedSession } from '../src/testing';
import { ChangeRecorder } from '../src/testing/change-recorder';
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

  describe('the change channel', () => {
    let store: RedisSessionStore;
    let recorder: ChangeRecorder;
    let subscription: SessionChangeSubscription;

    beforeEach(async () => {
      store = new RedisSessionStore({ url: redis.url });
      recorder = new ChangeRecorder();
      subscription = store.subscribeToChanges(recorder);
      await recorder.until('listening()', () => recorder.listenings === 1);
    });

    afterEach(async () => {
      redis.thaw();
      await subscription.close();
      await store.close();
    });

    /** It listens again by itself, and a change made then reaches the listener. */
    async function listensAgain(): Promise<void> {
      await recorder.until('listening() again', () => recorder.listenings === 2, 20_000);
      // The store's own connection reconnects in its own time.
      await waitUntil(
        () =>
          store.get(randomIdHash()).then(
            () => true,
            () => false,
          ),
        20_000,
        100,
      );
      const session = storedSession({ expiresAt: Date.now() + 60_000 });
      await store.create(randomIdHash(), session, { now: Date.now() });
      await store.patch(session.handle, { set: { a: 1 }, unset: [] }, { now: Date.now() });
      await recorder.until('the patch', () => recorder.versionsOf(session.handle).length > 0);
      expect(recorder.interruptions).toBe(1);
    }

    it('is interrupted when Redis drops its connection (CLIENT KILL TYPE pubsub), and listens again', async () => {
      const admin = new Redis(redis.url);
      try {
        await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      } finally {
        admin.disconnect();
      }
      await recorder.until('interrupted()', () => recorder.interruptions === 1);
      await listensAgain();
    });

    it('is interrupted when Redis crashes, and listens again once it is back', async () => {
      await redis.stop('SIGKILL');
      await recorder.until('interrupted()', () => recorder.interruptions === 1);
      await redis.start();
      await listensAgain();
    });

    it('is interrupted when Redis stops answering (a PING unanswered, the connection still open), and listens again once it answers', async () => {
      redis.freeze();
      await recorder.until('interrupted()', () => recorder.interruptions === 1);
      redis.thaw();
      await listensAgain();
    });
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
