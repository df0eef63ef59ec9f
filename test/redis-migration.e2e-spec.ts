import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { copySessions } from '../src';
import { RedisSessionStore } from '../src/redis';
import { exportSessions } from '../src/typeorm';
import { useMigratedDatabase } from './utils/migrated-data-source';
import { startSampleServer, type SampleServer } from './utils/sample-server';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const REDIS_URL = 'redis://127.0.0.1:6379';

/** Moving from PostgreSQL to Redis: the documented one-shot copy, then the same cookies on a Redis-backed app. */
describe('copying sessions from PostgreSQL to Redis', () => {
  const database = useMigratedDatabase('redis_migration');
  const prefix = `sess:test-migration-${randomBytes(3).toString('hex')}:`;
  let onPostgres: SampleServer | undefined;
  let onRedis: SampleServer | undefined;
  let admin: Redis;

  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
    onPostgres = await startSampleServer(database.db.url, { store: 'postgres', maxSessionsPerUser: 2 });
  });

  afterAll(async () => {
    await onPostgres?.close();
    await onRedis?.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) {
      await admin.del(...keys);
    }
    await admin.quit();
  });

  it('keeps every live session working, logged in, with its data and its place in the user index', async () => {
    const alice = onPostgres!.agent();
    await alice.post('/cart').send({ itemId: 'socks' }).expect(200);
    await alice.post('/login').send(ALICE).expect(200);
    const aliceOnPhone = onPostgres!.agent().with({ 'user-agent': 'Phone' });
    await aliceOnPhone.post('/login').send(ALICE).expect(200);
    const visitor = onPostgres!.agent();
    await visitor.get('/counter').expect(200, { visits: 1 });
    const expired = onPostgres!.agent();
    await expired.get('/counter').expect(200, { visits: 1 });
    await database.dataSource.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE handle = (
         SELECT handle FROM sessions ORDER BY created_at DESC LIMIT 1)`,
    );

    const target = new RedisSessionStore({ url: REDIS_URL, prefix });
    try {
      await expect(copySessions(exportSessions(database.dataSource, { batchSize: 2 }), target)).resolves.toBe(3);
    } finally {
      await target.close();
    }
    await onPostgres!.close();
    onPostgres = undefined;
    onRedis = await startSampleServer(database.db.url, {
      store: 'redis',
      redisUrl: REDIS_URL,
      redisPrefix: prefix,
      maxSessionsPerUser: 2,
    });

    const moved = (agent: typeof alice) => onRedis!.agent(agent.cookie).with(agent.headers);
    await moved(alice).get('/profile').expect(200);
    await moved(alice)
      .get('/cart')
      .expect(200, { cart: ['socks'] });
    await moved(visitor).get('/counter').expect(200, { visits: 2 });
    await moved(expired).get('/counter').expect(200, { visits: 1 });
    const { body } = await moved(alice).get('/sessions').expect(200);
    expect((body as { sessions: Array<{ userAgent: string | null }> }).sessions).toHaveLength(2);
    await moved(aliceOnPhone).delete('/sessions/others').expect(200, { revoked: 1 });
    await moved(alice).get('/profile').expect(401);
  });
});
