import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { SessionModule, type SessionModuleOptions } from '../src';
import { RedisSessionStore } from '../src/redis';
import { SessionStoreHealthIndicator } from '../src/terminus';
import { SESSION_MIGRATIONS, SessionEntity, TypeOrmSessionStore } from '../src/typeorm';
import { createFixtureApp } from './utils/fixture-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { ThrowawayRedis } from './utils/throwaway-redis';

const SECRET = 'terminus-health-secret-0123456789abcdef';
const STORE_TIMEOUT = 500;

/** A health controller as Terminus's docs write one, with the session store's indicator. */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sessions: SessionStoreHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.sessions.isHealthy('sessions')]);
  }
}

@Module({ imports: [TerminusModule], controllers: [HealthController], providers: [SessionStoreHealthIndicator] })
class HealthModule {}

function sessionOptions(store: SessionModuleOptions['store']): SessionModuleOptions {
  return { secret: SECRET, store, storeTimeout: STORE_TIMEOUT, cookie: { secure: false } };
}

describe('nest-sessions/terminus: SessionStoreHealthIndicator', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  describe('on PostgreSQL (TypeORM)', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('terminus_health');
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('answers 200 with the store up', async () => {
      app = await createFixtureApp('express', {
        imports: [
          TypeOrmModule.forRoot({
            type: 'postgres',
            url: db.url,
            entities: [SessionEntity],
            migrations: SESSION_MIGRATIONS,
            migrationsRun: true,
          }),
          SessionModule.forRoot(sessionOptions(TypeOrmSessionStore)),
          HealthModule,
        ],
      });
      await app.init();

      const response = await request(app.getHttpServer()).get('/health').expect(200);

      expect(response.body).toMatchObject({ status: 'ok', info: { sessions: { status: 'up' } } });
    });
  });

  describe('on Redis', () => {
    let redis: ThrowawayRedis;
    beforeAll(async () => {
      redis = await ThrowawayRedis.create();
    });
    afterAll(async () => {
      await redis?.destroy();
    });

    it('answers 200 while the server answers, then 503 down once it stops, naming no host or hash', async () => {
      const store = new RedisSessionStore({ url: redis.url, prefix: 'sess:terminus:' });
      app = await createFixtureApp('express', {
        imports: [SessionModule.forRoot(sessionOptions(store)), HealthModule],
      });
      await app.init();
      const server = app.getHttpServer();

      const up = await request(server).get('/health').expect(200);
      expect(up.body).toMatchObject({ status: 'ok', info: { sessions: { status: 'up' } } });

      await redis.stop();
      const down = await request(server).get('/health').expect(503);

      expect(down.body).toMatchObject({
        status: 'error',
        error: { sessions: { status: 'down', message: expect.any(String) } },
      });
      const body = JSON.stringify(down.body);
      expect(body).not.toContain(String(redis.port));
      expect(body).not.toMatch(/[0-9a-f]{64}/);
    });
  });
});
