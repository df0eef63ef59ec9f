import { TypeOrmSessionStore } from '../src/typeorm';
import { INestApplication, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SessionCleanupService, SessionModule, SessionStore, type SessionModuleOptions } from '../src';
import { createMigratedDataSource } from './utils/migrated-data-source';
import { startSampleApp, TEST_SECRET } from './utils/sample-app';
import { TcpProxy } from './utils/tcp-proxy';
import { createTestDatabase, TestDatabase } from './utils/test-database';

const CLEANUP_LOCK_KEY = `hashtext('nest-sessions:cleanup')`;

/** Polls `check` every 50 ms until it holds; fails after `within` ms. */
async function eventually(check: () => Promise<boolean>, within = 1500): Promise<void> {
  const deadline = Date.now() + within;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${within} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SessionCleanupService', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const apps: INestApplication[] = [];

  /** A minimal app: SessionModule on the given DataSource, no schedule unless asked. */
  async function startApp(
    options: Partial<SessionModuleOptions> = {},
    on: DataSource = dataSource,
  ): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        SessionModule.forRoot({
          secret: TEST_SECRET,
          store: new TypeOrmSessionStore(on),
          cleanupInterval: 0,
          ...options,
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    apps.push(app);
    return app;
  }

  /** Inserts `count` rows whose IDs start with `prefix`, expiring `expiresIn` (a PostgreSQL interval) from now. */
  async function insertSessions(prefix: string, count: number, expiresIn: string): Promise<void> {
    await dataSource.query(
      `INSERT INTO sessions (id_hash, handle, created_at, last_active_at, id_issued_at, expires_at, absolute_expires_at)
       SELECT $1 || g, substr(md5($1 || g), 1, 22), now() - interval '1 hour', now() - interval '1 hour',
              now() - interval '1 hour', now() + $2::interval, now() + interval '1 day'
       FROM generate_series(1, $3::int) g`,
      [prefix, expiresIn, count],
    );
  }

  async function countSessions(prefix: string): Promise<number> {
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM sessions WHERE id_hash LIKE $1 || '%'`,
      [prefix],
    );
    return count;
  }

  beforeAll(async () => {
    db = await createTestDatabase('cleanup');
    dataSource = await createMigratedDataSource(db.url);
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE sessions');
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  describe('run()', () => {
    it('deletes only expired sessions and resolves to how many', async () => {
      const app = await startApp();
      await insertSessions('expired-', 3, '-1 minute');
      await insertSessions('live-', 2, '1 hour');

      await expect(app.get(SessionCleanupService).run()).resolves.toEqual({ deleted: 3, outcome: 'complete' });

      expect(await countSessions('expired-')).toBe(0);
      expect(await countSessions('live-')).toBe(2);
    });

    it('deletes in batches of cleanupBatchSize until none is left', async () => {
      const app = await startApp({ cleanupBatchSize: 10 });
      const deleteExpired = jest.spyOn(app.get<TypeOrmSessionStore>(SessionStore), 'deleteExpired');
      await insertSessions('expired-', 35, '-1 minute');
      await insertSessions('live-', 2, '1 hour');

      await expect(app.get(SessionCleanupService).run()).resolves.toEqual({ deleted: 35, outcome: 'complete' });

      expect(deleteExpired.mock.calls.map(([, limit]) => limit)).toEqual([10, 10, 10, 10]);
      expect(await countSessions('expired-')).toBe(0);
      expect(await countSessions('live-')).toBe(2);
    });

    it('lets concurrent calls share one run', async () => {
      const app = await startApp();
      const deleteExpired = jest.spyOn(app.get<TypeOrmSessionStore>(SessionStore), 'deleteExpired');
      await insertSessions('expired-', 3, '-1 minute');
      const cleanup = app.get(SessionCleanupService);

      const [first, second] = await Promise.all([cleanup.run(), cleanup.run()]);

      expect(first).toEqual({ deleted: 3, outcome: 'complete' });
      expect(second).toBe(first);

      expect(deleteExpired).toHaveBeenCalledTimes(1);
    });

    it('deletes nothing while another instance holds the cleanup lock, and says so', async () => {
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      const app = await startApp();
      await insertSessions('expired-', 5, '-1 minute');
      const otherInstance = new Client({ connectionString: db.url });
      await otherInstance.connect();
      try {
        // A session-level lock: it shares the lock space with the service's transaction-level one.
        await otherInstance.query(`SELECT pg_advisory_lock(${CLEANUP_LOCK_KEY})`);
        await expect(app.get(SessionCleanupService).run()).resolves.toEqual({ deleted: 0, outcome: 'locked' });
        expect(log).toHaveBeenCalledWith(expect.stringContaining('another instance holds the cleanup lock'));
        expect(await countSessions('expired-')).toBe(5);

        await otherInstance.query(`SELECT pg_advisory_unlock(${CLEANUP_LOCK_KEY})`);
        await expect(app.get(SessionCleanupService).run()).resolves.toEqual({ deleted: 5, outcome: 'complete' });
      } finally {
        await otherInstance.end();
      }
    });
  });

  describe('the schedule (sample app, cleanupInterval from its config)', () => {
    it('deletes expired sessions by itself every cleanupInterval', async () => {
      const app = await startSampleApp(db.url, { cleanupInterval: 200 });
      apps.push(app);
      await insertSessions('expired-', 5, '-1 minute');
      await insertSessions('live-', 1, '1 hour');

      await eventually(async () => (await countSessions('expired-')) === 0);
      expect(await countSessions('live-')).toBe(1);
    });

    it('stops when the app closes, and closing does not wait for the next tick', async () => {
      const app = await startSampleApp(db.url, { cleanupInterval: 200 });
      apps.push(app);
      const deleteExpired = jest.spyOn(app.get<TypeOrmSessionStore>(SessionStore), 'deleteExpired');
      await eventually(async () => deleteExpired.mock.calls.length > 0);

      const closing = Date.now();
      await apps.pop()!.close();
      expect(Date.now() - closing).toBeLessThan(1000);
      const callsAtClose = deleteExpired.mock.calls.length;

      await insertSessions('expired-', 2, '-1 minute');
      await pause(600); // three intervals
      expect(deleteExpired).toHaveBeenCalledTimes(callsAtClose);
      expect(await countSessions('expired-')).toBe(2);
    });
  });

  describe('when the database cannot be reached', () => {
    let proxy: TcpProxy;
    let proxied: DataSource;

    beforeAll(async () => {
      proxy = await TcpProxy.start(db.url);
      proxied = await new DataSource({
        type: 'postgres',
        url: proxy.url(db.url),
        extra: { max: 2, connectionTimeoutMillis: 1000 },
      }).initialize();
    });

    afterEach(() => proxy.restore());

    afterAll(async () => {
      await proxied?.destroy();
      await proxy?.close();
    });

    it('logs the failure and resolves instead of rejecting', async () => {
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const app = await startApp({}, proxied);
      await insertSessions('expired-', 3, '-1 minute');
      proxy.cut('refuse');

      await expect(app.get(SessionCleanupService).run()).resolves.toEqual({ deleted: 0, outcome: 'failed' });

      expect(errors).toHaveBeenCalledWith(expect.stringContaining('Cleanup of expired sessions failed'));
      expect(await countSessions('expired-')).toBe(3);
    });

    it('keeps the schedule going through the outage and cleans up once the database is back', async () => {
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      await startApp({ cleanupInterval: 200 }, proxied);
      await insertSessions('expired-', 3, '-1 minute');
      proxy.cut('refuse');

      await eventually(async () => errors.mock.calls.length >= 2);
      expect(await countSessions('expired-')).toBe(3);

      proxy.restore();
      await eventually(async () => (await countSessions('expired-')) === 0);
    });
  });
});
