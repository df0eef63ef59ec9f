import {
  Controller,
  DynamicModule,
  Get,
  HttpCode,
  Inject,
  Injectable,
  INestApplication,
  Module,
  Post,
  UseGuards,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import {
  MemorySessionStore,
  Session,
  SessionAuthGuard,
  SessionConfigurationError,
  SessionModule,
  type SessionModuleOptions,
  type SessionOptionsFactory,
} from '../src';
import { SessionEntity, TypeOrmSessionStore } from '../src/typeorm';
import { createMigratedDataSource } from './utils/migrated-data-source';
import { cookieOf, TEST_SECRET } from './utils/sample-app';
import { createTestDatabase, TestDatabase } from './utils/test-database';
import { SESSION_COOKIE } from './utils/session-cookie';

@Controller()
class FixtureController {
  @Get('count')
  count(@Session() session: Session<{ count: number }>): { count: number } {
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    return { count };
  }

  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session): { ok: true } {
    session.login({ id: 'user-1', roles: ['member'] });
    return { ok: true };
  }

  @Get('members')
  @UseGuards(SessionAuthGuard)
  members(@Session() session: Session): { userId: string } {
    return { userId: session.user!.id };
  }
}

const SECRET_TOKEN = 'FIXTURE:SESSION_SECRET';

/** Provides the test's DataSource under TypeORM's class token, the way @nestjs/typeorm does. */
function databaseModule(dataSource: DataSource, global = false): DynamicModule {
  return {
    module: DatabaseModule,
    global,
    providers: [{ provide: DataSource, useValue: dataSource }],
    exports: [DataSource],
  };
}
@Module({})
class DatabaseModule {}

@Injectable()
class SessionConfigService implements SessionOptionsFactory {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  createSessionOptions(): SessionModuleOptions {
    return { secret: TEST_SECRET, store: new TypeOrmSessionStore(this.dataSource), cookie: { name: 'configured.sid' } };
  }
}

describe('SessionModule wiring', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const apps: INestApplication[] = [];

  /** The fixture controller with the given imports, initialised (not listening). */
  async function startFixtureApp(...imports: DynamicModule[]): Promise<INestApplication<App>> {
    const moduleRef = await Test.createTestingModule({ imports, controllers: [FixtureController] }).compile();
    const app = moduleRef.createNestApplication<INestApplication<App>>({ logger: false });
    await app.init();
    apps.push(app);
    return app;
  }

  /** Sessions count across requests, the guard rejects anonymous and admits a logged-in session. */
  async function expectWorkingSessions(app: INestApplication<App>, cookieName = SESSION_COOKIE): Promise<void> {
    const http = () => request(app.getHttpServer());
    const first = await http().get('/count').expect(200, { count: 1 });
    const cookie = cookieOf(first.headers['set-cookie'], cookieName);
    expect(cookie).toBeDefined();
    await http().get('/count').set('Cookie', cookie!).expect(200, { count: 2 });
    await http().get('/members').set('Cookie', cookie!).expect(401);
    const login = await http().post('/login').set('Cookie', cookie!).expect(200);
    const member = cookieOf(login.headers['set-cookie'], cookieName)!;
    await http().get('/members').set('Cookie', member).expect(200, { userId: 'user-1' });
    await http().get('/count').set('Cookie', member).expect(200, { count: 3 });
  }

  async function storedSessionCount(): Promise<number> {
    const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM sessions');
    return count;
  }

  /** Runs `work` and expects it to add rows to the test's `sessions` table. */
  async function expectStoredInDatabase(work: () => Promise<void>): Promise<void> {
    const before = await storedSessionCount();
    await work();
    expect(await storedSessionCount()).toBeGreaterThan(before);
  }

  beforeAll(async () => {
    db = await createTestDatabase('module');
    // A plain DataSource, no @nestjs/typeorm: what a user without TypeOrmModule would write.
    dataSource = await createMigratedDataSource(db.url, { entities: [SessionEntity] });
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  describe('forRoot', () => {
    it('stores sessions through the given DataSource', async () => {
      const app = await startFixtureApp(
        SessionModule.forRoot({ secret: TEST_SECRET, store: new TypeOrmSessionStore(dataSource) }),
      );
      await expectStoredInDatabase(() => expectWorkingSessions(app));
    });

    it("builds a store given as a class with Nest's DI: TypeOrmSessionStore on the app's DataSource (as @nestjs/typeorm registers it)", async () => {
      const app = await startFixtureApp(
        databaseModule(dataSource, true),
        SessionModule.forRoot({ secret: TEST_SECRET, store: TypeOrmSessionStore }),
      );
      await expectStoredInDatabase(() => expectWorkingSessions(app));
    });

    it('works with a MemorySessionStore and no DataSource anywhere', async () => {
      const store = new MemorySessionStore();
      const app = await startFixtureApp(SessionModule.forRoot({ secret: TEST_SECRET, store }));
      await expectWorkingSessions(app);
      expect(store.size).toBeGreaterThan(0);
    });
  });

  describe('forRootAsync', () => {
    it('takes options from useFactory with inject', async () => {
      const configModule: DynamicModule = {
        module: class ConfigModule {},
        providers: [{ provide: SECRET_TOKEN, useValue: TEST_SECRET }],
        exports: [SECRET_TOKEN],
      };
      const app = await startFixtureApp(
        SessionModule.forRootAsync({
          imports: [configModule, databaseModule(dataSource)],
          inject: [SECRET_TOKEN, DataSource],
          useFactory: async (secret: string, source: DataSource) => ({
            secret,
            store: new TypeOrmSessionStore(source),
            cookie: { name: 'factory.sid' },
          }),
        }),
      );
      await expectStoredInDatabase(() => expectWorkingSessions(app, 'factory.sid'));
    });

    it('takes options from a useClass SessionOptionsFactory, resolving its dependencies from imports', async () => {
      const app = await startFixtureApp(
        SessionModule.forRootAsync({ imports: [databaseModule(dataSource)], useClass: SessionConfigService }),
      );
      await expectStoredInDatabase(() => expectWorkingSessions(app, 'configured.sid'));
    });

    it('takes options from a useExisting factory that an imported module provides', async () => {
      const configModule: DynamicModule = {
        module: class SessionConfigModule {},
        imports: [databaseModule(dataSource)],
        providers: [SessionConfigService],
        exports: [SessionConfigService],
      };
      const app = await startFixtureApp(
        SessionModule.forRootAsync({ imports: [configModule], useExisting: SessionConfigService }),
      );
      await expectStoredInDatabase(() => expectWorkingSessions(app, 'configured.sid'));
    });

    it('takes isGlobal: false, and extraProviders', async () => {
      const extra = { provide: SECRET_TOKEN, useValue: 'extra' };
      const definition = SessionModule.forRoot({
        secret: TEST_SECRET,
        store: new MemorySessionStore(),
        isGlobal: false,
        extraProviders: [extra],
      });
      expect(definition.global).toBe(false);
      expect(definition.providers).toContainEqual(extra);
      expect(SessionModule.forRoot({ secret: TEST_SECRET, store: new MemorySessionStore() }).global).toBe(true);
    });
  });

  describe('start-up failures', () => {
    async function startupError(sessionModule: DynamicModule): Promise<unknown> {
      return startFixtureApp(sessionModule).then(
        () => undefined,
        (error: unknown) => error,
      );
    }

    it('fails without a store, saying what to pass', async () => {
      const error = await startupError(SessionModule.forRoot({ secret: TEST_SECRET } as SessionModuleOptions));
      expect(error).toBeInstanceOf(SessionConfigurationError);
      expect((error as Error).message).toMatch(/`store` is missing\. Give `store: TypeOrmSessionStore`/);
    });

    it('fails with maxSessionsPerUser on a store without a per-user index, saying why', async () => {
      const coreOnly = new MemorySessionStore();
      const store = {
        get: coreOnly.get.bind(coreOnly),
        create: coreOnly.create.bind(coreOnly),
        patch: coreOnly.patch.bind(coreOnly),
        destroy: coreOnly.destroy.bind(coreOnly),
      };
      const error = await startupError(SessionModule.forRoot({ secret: TEST_SECRET, store, maxSessionsPerUser: 2 }));
      expect(error).toBeInstanceOf(SessionConfigurationError);
      expect((error as Error).message).toMatch(/maxSessionsPerUser.*per-user index/);
    });

    it('fails on a short secret, saying how long it must be', async () => {
      const error = await startupError(SessionModule.forRoot({ secret: 'too-short', store: new MemorySessionStore() }));
      expect(error).toBeInstanceOf(SessionConfigurationError);
      expect((error as Error).message).toBe(
        'SessionModule: `secret` is 9 characters long: use at least 32 random characters.',
      );
    });

    it('validates options returned by an async factory too', async () => {
      const error = await startupError(
        SessionModule.forRootAsync({
          useFactory: () => ({ secret: TEST_SECRET, store: new MemorySessionStore(), idleTimeout: -1 }),
        }),
      );
      expect(error).toBeInstanceOf(SessionConfigurationError);
      expect((error as Error).message).toMatch(/`idleTimeout` must be a positive number of milliseconds; got -1/);
    });
  });

  describe('the sessions table', () => {
    it('matches SessionEntity: synchronize would change nothing after SESSION_MIGRATIONS', async () => {
      const sql = await dataSource.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((query) => query.query)).toEqual([]);
    });

    it('is created the same by synchronize: true as by SESSION_MIGRATIONS', async () => {
      await dataSource.query('CREATE SCHEMA IF NOT EXISTS synced');
      const synced = await new DataSource({
        type: 'postgres',
        url: db.url,
        schema: 'synced',
        entities: [SessionEntity],
        synchronize: true,
      }).initialize();
      try {
        expect(await describeTable('synced')).toEqual(await describeTable('public'));
      } finally {
        await synced.destroy();
      }
    });

    it('has the primary key on id_hash, a unique index on handle, and indexes on expires_at, previous_id_hash and (user_id, tenant)', async () => {
      const indexes = await dataSource.query(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'sessions' ORDER BY indexname`,
      );
      expect(
        indexes.map((index: { indexname: string; indexdef: string }) => [index.indexname, index.indexdef]),
      ).toEqual([
        [
          'IDX_sessions_expires_at',
          'CREATE INDEX "IDX_sessions_expires_at" ON public.sessions USING btree (expires_at)',
        ],
        [
          'IDX_sessions_previous_id_hash',
          'CREATE INDEX "IDX_sessions_previous_id_hash" ON public.sessions USING btree (previous_id_hash)',
        ],
        [
          'IDX_sessions_user_id_tenant',
          'CREATE INDEX "IDX_sessions_user_id_tenant" ON public.sessions USING btree (user_id, tenant)',
        ],
        ['PK_sessions', 'CREATE UNIQUE INDEX "PK_sessions" ON public.sessions USING btree (id_hash)'],
        ['UQ_sessions_handle', 'CREATE UNIQUE INDEX "UQ_sessions_handle" ON public.sessions USING btree (handle)'],
      ]);
    });

    describe('query plans, with 5000 sessions of 100 users on 2 tenants', () => {
      beforeAll(async () => {
        await dataSource.query(
          `INSERT INTO sessions (id_hash, handle, tenant, created_at, last_active_at, id_issued_at, expires_at,
                                 absolute_expires_at, user_id)
           SELECT encode(sha256(('plan-' || g)::bytea), 'hex'), substr(md5('plan-' || g), 1, 22), (g % 2)::text,
                  now(), now(), now(), now() + interval '1 hour', now() + interval '1 day', (g % 100)::text
           FROM generate_series(1, 5000) g`,
        );
        await dataSource.query('ANALYZE sessions');
      });
      afterAll(async () => {
        await dataSource.query(
          `DELETE FROM sessions WHERE id_hash IN (SELECT encode(sha256(('plan-' || g)::bytea), 'hex') FROM generate_series(1, 5000) g)`,
        );
      });

      async function plan(sql: string, parameters: unknown[]): Promise<string> {
        const rows: Array<{ 'QUERY PLAN': string }> = await dataSource.query(`EXPLAIN ${sql}`, parameters);
        return rows.map((row) => row['QUERY PLAN']).join('\n');
      }

      it('looks a session up by its primary key', async () => {
        await expect(plan(`SELECT data, user_id FROM sessions WHERE id_hash = $1`, ['a'.repeat(64)])).resolves.toMatch(
          /Index Scan using "PK_sessions" on sessions/,
        );
      });

      it("finds a user's sessions in a tenant through the (user_id, tenant) index", async () => {
        await expect(
          plan(
            `SELECT handle FROM sessions WHERE user_id = $1 AND tenant = $2 AND expires_at > to_timestamp($3::float8 / 1000)
             ORDER BY last_active_at DESC`,
            ['7', '1', Date.now()],
          ),
        ).resolves.toMatch(/Index Scan (on|using) "IDX_sessions_user_id_tenant"/);
      });

      it("finds a user's sessions in every tenant through the same index", async () => {
        await expect(
          plan(`SELECT handle FROM sessions WHERE user_id = $1 AND ($2::text IS NULL OR tenant = $2)`, ['7', null]),
        ).resolves.toMatch(/Index Scan (on|using) "IDX_sessions_user_id_tenant"/);
      });

      it('finds a renewed session by its previous ID through the previous_id_hash index', async () => {
        await expect(
          plan(`SELECT handle FROM sessions WHERE previous_id_hash = $1 AND previous_id_expires_at > now()`, [
            'a'.repeat(64),
          ]),
        ).resolves.toMatch(/Index Scan using "IDX_sessions_previous_id_hash"/);
      });
    });
  });

  /** Columns and indexes of `<schema>.sessions`, with the schema name taken out so two schemas compare. */
  async function describeTable(schema: string): Promise<unknown> {
    const columns = await dataSource.query(
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'sessions' ORDER BY column_name`,
      [schema],
    );
    const indexes: Array<{ indexname: string; indexdef: string }> = await dataSource.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'sessions' ORDER BY indexname`,
      [schema],
    );
    return {
      columns,
      indexes: indexes.map(({ indexname, indexdef }) => [indexname, indexdef.replace(` ${schema}.`, ' ')]),
    };
  }
});
