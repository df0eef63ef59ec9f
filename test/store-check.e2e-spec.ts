import { Controller, type DynamicModule, Get, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import {
  Session,
  SessionConfigurationError,
  SessionModule,
  type SessionModuleOptions,
  SessionStoreUnavailableError,
} from '../src';
import { RedisSessionStore } from '../src/redis';
import { SESSION_MIGRATIONS, SessionEntity, sessionMigrations, TypeOrmSessionStore } from '../src/typeorm';
import { e2eRedisUrl } from './utils/e2e-store';
import { freePort } from './utils/free-port';
import { cookieOf, TEST_SECRET } from './utils/sample-app';
import { SESSION_COOKIE } from './utils/session-cookie';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

@Controller()
class CountController {
  @Get('count')
  count(@Session() session: Session<{ count: number }>): { count: number } {
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    return { count };
  }
}

@Module({})
class DatabaseModule {}

/** The DataSource under TypeORM's class token, as @nestjs/typeorm provides it. */
function databaseModule(dataSource: DataSource): DynamicModule {
  return {
    module: DatabaseModule,
    global: true,
    providers: [{ provide: DataSource, useValue: dataSource }],
    exports: [DataSource],
  };
}

describe('checking the store at start-up', () => {
  let db: TestDatabase;
  const dataSources: DataSource[] = [];
  const apps: INestApplication[] = [];

  async function openDataSource(options: Record<string, unknown> = {}): Promise<DataSource> {
    const dataSource = await new DataSource({ type: 'postgres', url: db.url, ...options }).initialize();
    dataSources.push(dataSource);
    return dataSource;
  }

  /** The app, initialised: rejects as `app.init()` does when the check fails. */
  async function startApp(
    options: Omit<SessionModuleOptions, 'secret'>,
    dataSource?: DataSource,
  ): Promise<INestApplication<App>> {
    const imports = [SessionModule.forRoot({ secret: TEST_SECRET, ...options })];
    const moduleRef = await Test.createTestingModule({
      imports: dataSource ? [databaseModule(dataSource), ...imports] : imports,
      controllers: [CountController],
    }).compile();
    const app = moduleRef.createNestApplication<INestApplication<App>>({ logger: false });
    apps.push(app);
    await app.init();
    return app;
  }

  /** Two requests counting in one session: the store reads and writes. */
  async function expectWorkingSessions(app: INestApplication<App>): Promise<void> {
    const first = await request(app.getHttpServer()).get('/count').expect(200, { count: 1 });
    const cookie = cookieOf(first.headers['set-cookie'], SESSION_COOKIE)!;
    await request(app.getHttpServer()).get('/count').set('Cookie', cookie).expect(200, { count: 2 });
  }

  async function startupError(options: Omit<SessionModuleOptions, 'secret'>, dataSource?: DataSource): Promise<Error> {
    return startApp(options, dataSource).then(
      () => {
        throw new Error('the app started');
      },
      (error: Error) => error,
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase('store_check');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await Promise.all(dataSources.map((dataSource) => dataSource.destroy()));
    await db?.drop();
  });

  describe('TypeOrmSessionStore', () => {
    it('refuses to start without the table, naming the migrations and the entity', async () => {
      const dataSource = await openDataSource();
      const error = await startupError({ store: TypeOrmSessionStore }, dataSource);
      expect(error).toBeInstanceOf(SessionConfigurationError);
      expect(error.message).toContain('"sessions" does not exist');
      for (const fix of ['SESSION_MIGRATIONS', 'migrationsRun', 'SessionEntity', 'synchronize', 'checkStoreOnStart']) {
        expect(error.message).toContain(fix);
      }
    });

    it('starts without the check with checkStoreOnStart: false, and then fails session writes with 503', async () => {
      const dataSource = await openDataSource();
      const app = await startApp({ store: TypeOrmSessionStore, checkStoreOnStart: false }, dataSource);
      await request(app.getHttpServer()).get('/count').expect(503);
    });

    it('refuses to start when a column is missing, naming it and the migrations', async () => {
      const dataSource = await openDataSource({ migrations: SESSION_MIGRATIONS, migrationsRun: true });
      await dataSource.query('ALTER TABLE sessions DROP COLUMN version');
      try {
        const error = await startupError({ store: TypeOrmSessionStore }, dataSource);
        expect(error).toBeInstanceOf(SessionConfigurationError);
        expect(error.message).toContain('lacks the column(s) version');
        expect(error.message).toContain('SESSION_MIGRATIONS');
      } finally {
        await dataSource.query('DROP TABLE sessions; DELETE FROM migrations');
      }
    });

    it("follows the DataSource's schema for SessionEntity under synchronize", async () => {
      await (await openDataSource()).query('CREATE SCHEMA app');
      const dataSource = await openDataSource({ schema: 'app', entities: [SessionEntity], synchronize: true });
      const app = await startApp({ store: TypeOrmSessionStore }, dataSource);
      await expectWorkingSessions(app);
      const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM app.sessions');
      expect(count).toBe(1);
      expect((await dataSource.query(`SELECT to_regclass('public.sessions') AS found`))[0].found).toBeNull();
    });

    it('uses the table TypeOrmSessionStore.with() names, made by sessionMigrations() with the same options', async () => {
      const table = { schema: 'auth', tableName: 'user_sessions' };
      const dataSource = await openDataSource({
        migrations: sessionMigrations(table),
        migrationsRun: true,
        migrationsTableName: 'auth_migrations',
      });
      const app = await startApp({ store: TypeOrmSessionStore.with(table), cache: { ttl: 60_000 } }, dataSource);
      await expectWorkingSessions(app);
      const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM auth.user_sessions');
      expect(count).toBe(1);
      const error = await startupError({ store: TypeOrmSessionStore.with({ schema: 'auth' }) }, dataSource);
      expect(error.message).toContain('"auth"."sessions" does not exist');
    });
  });

  describe('RedisSessionStore', () => {
    const stores: RedisSessionStore[] = [];
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });
    function redisStore(url: string): RedisSessionStore {
      const store = new RedisSessionStore({ url, prefix: `store-check:${process.pid}:` });
      stores.push(store);
      return store;
    }

    it('starts when Redis answers PING', async () => {
      const app = await startApp({ store: redisStore(e2eRedisUrl()) });
      await expectWorkingSessions(app);
    });

    it('refuses to start when Redis does not answer, saying how to start anyway', async () => {
      const error = await startupError({
        store: redisStore(`redis://127.0.0.1:${await freePort()}`),
        storeTimeout: 1000,
      });
      expect(error).toBeInstanceOf(SessionStoreUnavailableError);
      expect(error.message).toContain('start-up check');
      expect(error.message).toContain('checkStoreOnStart: false');
    });

    it('starts with an unreachable Redis under checkStoreOnStart: false', async () => {
      const app = await startApp({
        store: redisStore(`redis://127.0.0.1:${await freePort()}`),
        checkStoreOnStart: false,
        storeTimeout: 1000,
      });
      await request(app.getHttpServer()).get('/count').expect(503);
    });
  });
});
