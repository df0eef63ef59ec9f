import {
  Body,
  Controller,
  Get,
  HttpCode,
  type INestApplication,
  type ModuleMetadata,
  Post,
  UseGuards,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import {
  MemorySessionStore,
  RequireFresh,
  Roles,
  Session,
  SessionAuthGuard,
  SessionConfigurationError,
  SessionModule,
  type SessionModuleOptions,
  SessionService,
  SessionValueError,
} from '../src';
import { readSession, sessionCookieFor } from '../src/testing';
import { SESSION_MIGRATIONS, SessionEntity, TypeOrmSessionStore } from '../src/typeorm';
import { createFixtureApp } from './utils/fixture-app';
import { PLATFORMS, type Platform } from './utils/platforms';
import { TEST_SECRET } from './utils/sample-app';
import { signedSessionCookie } from './utils/session-cookie';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

interface MyData {
  cart: string[];
}

/** The README's quick-start controller, which docs/testing.md tests. */
@Controller()
class CartController {
  @Post('cart')
  add(@Body('itemId') itemId: string, @Session() session: Session<MyData>) {
    const cart = [...(session.get('cart') ?? []), itemId];
    session.set('cart', cart);
    return { cart };
  }

  @Get('admin')
  @UseGuards(SessionAuthGuard)
  @Roles('admin')
  admin() {
    return { ok: true };
  }

  @Post('close-account')
  @HttpCode(200)
  @UseGuards(SessionAuthGuard)
  @RequireFresh(60_000)
  closeAccount() {
    return { ok: true };
  }
}

/** What else a test of an app reads back: a login, a flash message, an ended session. */
@Controller()
class AccountController {
  @Post('login')
  @HttpCode(200)
  login(@Body('id') id: string, @Session() session: Session) {
    session.login({ id, roles: ['customer'] });
  }

  @Post('flash')
  @HttpCode(200)
  flash(@Session() session: Session) {
    session.flash('info', 'Saved');
  }

  @Post('logout')
  @HttpCode(204)
  logout(@Session() session: Session) {
    session.destroy();
  }
}

const STORES = ['memory', 'postgres'] as const;
type Store = (typeof STORES)[number];

/** Sessions are scoped by the `x-tenant` header when a request sends one. */
const tenant = (request: { headers: Record<string, string | string[] | undefined> }) =>
  request.headers['x-tenant'] as string | undefined;

describe('nest-sessions/testing: sessionCookieFor and readSession in an app’s own e2e test', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('testing_helpers');
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** The app's modules on `store`: the memory store, or the README's TypeORM setup on the test database. */
  function appMetadata(store: Store): ModuleMetadata {
    const options: Omit<SessionModuleOptions, 'store'> = { secret: TEST_SECRET, tenant };
    const imports =
      store === 'memory'
        ? [SessionModule.forRoot({ ...options, store: new MemorySessionStore() })]
        : [
            TypeOrmModule.forRoot({
              type: 'postgres',
              url: db.url,
              entities: [SessionEntity],
              migrations: SESSION_MIGRATIONS,
              migrationsRun: true,
            }),
            SessionModule.forRoot({ ...options, store: TypeOrmSessionStore }),
          ];
    return { imports, controllers: [CartController, AccountController] };
  }

  describe.each(PLATFORMS.flatMap((platform) => STORES.map((store) => [platform, store] as const)))(
    'on %s, %s store',
    (platform: Platform, store: Store) => {
      let app: INestApplication;
      const http = () => request(app.getHttpServer());

      beforeAll(async () => {
        app = await createFixtureApp(platform, appMetadata(store));
        await app.init();
        if (platform === 'fastify') {
          await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
        }
      });
      afterAll(async () => {
        await app?.close();
      });

      it('lets an admin in, in one line (as docs/testing.md shows)', async () => {
        const cookie = await sessionCookieFor(app, { user: { id: '1', roles: ['admin'] } });
        await http().get('/admin').set('Cookie', cookie).expect(200, { ok: true });
      });

      it('refuses a user without the role, and anyone logged out (as docs/testing.md shows)', async () => {
        const cookie = await sessionCookieFor(app, { user: { id: '2', roles: ['customer'] } });
        await http().get('/admin').set('Cookie', cookie).expect(403);
        await http().get('/admin').expect(401);
      });

      it('adds to the cart the session already holds (as docs/testing.md shows)', async () => {
        const cookie = await sessionCookieFor<MyData>(app, { data: { cart: ['apple'] } });
        const response = await http().post('/cart').set('Cookie', cookie).send({ itemId: 'pear' }).expect(201);
        const session = await readSession<MyData>(app, [response.get('Set-Cookie'), cookie]);
        expect(session?.data).toEqual({ cart: ['apple', 'pear'] });
      });

      it('starts a session for a new visitor (as docs/testing.md shows)', async () => {
        const response = await http().post('/cart').send({ itemId: 'pear' }).expect(201);
        expect((await readSession(app, response.get('Set-Cookie')))?.data).toEqual({ cart: ['pear'] });
      });

      it('keeps the preset user beside the data, and records the user for SessionService', async () => {
        const user = { id: `shopper-${platform}-${store}`, roles: ['customer'], name: 'Ada' };
        const cookie = await sessionCookieFor(app, { user, data: { cart: [] } });
        await http().post('/cart').set('Cookie', cookie).send({ itemId: 'fig' }).expect(201);
        const session = await readSession(app, cookie);
        expect(session).toMatchObject({ user, data: { cart: ['fig'] }, flashes: {} });
        expect(session?.stored).toMatchObject({ userId: user.id, tenant: '', lifetime: null });
        const listed = await app.get(SessionService).list(user.id);
        expect(listed.map((info) => info.handle)).toEqual([session?.stored.handle]);
      });

      it('reads a login and a flash message the handlers stored', async () => {
        const login = await http().post('/login').send({ id: 'u-login' }).expect(200);
        const cookie = login.get('Set-Cookie')![0].split(';')[0];
        expect((await readSession(app, login.get('Set-Cookie')))?.user).toEqual({ id: 'u-login', roles: ['customer'] });
        await http().post('/flash').set('Cookie', cookie).expect(200);
        expect((await readSession(app, cookie))?.flashes).toEqual({ info: ['Saved'] });
      });

      it("gives null once the handler destroyed the session: the response's clearing cookie decides", async () => {
        const cookie = await sessionCookieFor(app, { user: { id: '3', roles: [] } });
        expect(await readSession(app, cookie)).not.toBeNull();
        const response = await http().post('/logout').set('Cookie', cookie).expect(204);
        expect(await readSession(app, [response.get('Set-Cookie'), cookie])).toBeNull();
        expect(await readSession(app, cookie)).toBeNull();
      });

      it('finds the cookie among others in a Cookie header, and ignores one signed with another secret', async () => {
        const cookie = await sessionCookieFor(app, { data: { cart: ['kiwi'] } });
        expect((await readSession(app, `theme=dark; ${cookie}; lang=en`))?.data).toEqual({ cart: ['kiwi'] });
        const id = cookie.split('=')[1].split('.')[0];
        expect(await readSession(app, signedSessionCookie(id, 'another-secret-0123456789-abcdefghijkl'))).toBeNull();
        expect(await readSession(app, undefined)).toBeNull();
        expect(await readSession(app, 'theme=dark')).toBeNull();
      });

      it('stores a remember-me lifetime, which the app keeps serving the session with', async () => {
        const lifetime = 30 * 86_400_000;
        const cookie = await sessionCookieFor(app, { data: { cart: [] }, lifetime });
        const before = (await readSession(app, cookie))!.stored;
        expect(before).toMatchObject({ lifetime, absoluteExpiresAt: before.createdAt + lifetime });
        expect(before.expiresAt).toBe(before.absoluteExpiresAt);
        await http().post('/cart').set('Cookie', cookie).send({ itemId: 'plum' }).expect(201);
        const after = await readSession(app, cookie);
        expect(after?.data).toEqual({ cart: ['plum'] });
        expect(after?.stored).toMatchObject({ lifetime, absoluteExpiresAt: before.absoluteExpiresAt });
      });

      it('records a fresh password proof with the user, or the proof given, for @RequireFresh() routes', async () => {
        const fresh = await sessionCookieFor(app, { user: { id: '5', roles: [] } });
        await http().post('/close-account').set('Cookie', fresh).expect(200);
        expect((await readSession(app, fresh))?.authentication).toMatchObject({ method: 'password', level: null });
        const at = new Date(Date.now() - 3_600_000);
        const stale = await sessionCookieFor(app, {
          user: { id: '5', roles: [] },
          authentication: { at, level: 'aal2' },
        });
        const refused = await http().post('/close-account').set('Cookie', stale).expect(403);
        expect(refused.body).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
        expect((await readSession(app, stale))?.authentication).toEqual({ at, method: 'password', level: 'aal2' });
      });

      it("scopes the session to the tenant given, as the app's tenant option resolves it", async () => {
        const cookie = await sessionCookieFor(app, { user: { id: '4', roles: ['admin'] }, tenant: 'acme' });
        await http().get('/admin').set('Cookie', cookie).set('x-tenant', 'acme').expect(200);
        await http().get('/admin').set('Cookie', cookie).set('x-tenant', 'globex').expect(401);
        await http().get('/admin').set('Cookie', cookie).expect(401);
        expect((await readSession(app, cookie, { tenant: 'acme' }))?.stored.tenant).toBe('acme');
        expect(await readSession(app, cookie)).toBeNull();
      });
    },
  );

  describe('refusals', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createFixtureApp('express', appMetadata('memory'));
      await app.init();
    });
    afterAll(async () => {
      await app?.close();
    });

    it('refuses data a handler could not store either, and a user login() would refuse', async () => {
      await expect(sessionCookieFor(app, { data: { __user: { id: 'x', roles: [] } } })).rejects.toThrow(
        SessionValueError,
      );
      await expect(sessionCookieFor(app, { data: { when: new Date() } })).rejects.toThrow(SessionValueError);
      await expect(sessionCookieFor(app, { user: { id: '', roles: [] } })).rejects.toThrow(SessionValueError);
      await expect(sessionCookieFor(app, { lifetime: 0 })).rejects.toThrow(SessionValueError);
    });

    it('binds the session to the client given, for an app with `bind`', async () => {
      const bound = await createFixtureApp('express', {
        imports: [SessionModule.forRoot({ secret: TEST_SECRET, store: new MemorySessionStore(), bind: { ip: true } })],
        controllers: [CartController],
      });
      await bound.init();
      try {
        const admin = { id: '5', roles: ['admin'] };
        const cookie = await sessionCookieFor(bound, { user: admin, ip: '127.0.0.1' });
        await request(bound.getHttpServer()).get('/admin').set('Cookie', cookie).expect(200);
        const unbound = await sessionCookieFor(bound, { user: admin });
        await request(bound.getHttpServer()).get('/admin').set('Cookie', unbound).expect(401);
      } finally {
        await bound.close();
      }
    });

    it('says what is wrong when the app has no SessionModule', async () => {
      const bare = await createFixtureApp('express', { controllers: [] });
      try {
        await expect(sessionCookieFor(bare)).rejects.toThrow(SessionConfigurationError);
        await expect(readSession(bare, 'sid=x')).rejects.toThrow(/readSession: the app has no SessionModule/);
      } finally {
        await bare.close();
      }
    });
  });
});
