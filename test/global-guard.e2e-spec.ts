import { Body, Controller, Get, HttpCode, Injectable, type INestApplication, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Public, Roles, Session, SessionAuthGuard, SessionModule, type RolesMatch, type SessionUser } from '../src';
import { listenFixtureApp } from './utils/fixture-app';
import { PLATFORMS } from './utils/platforms';
import { ReadCountingStore } from './utils/read-counting-app';
import { TEST_SECRET } from './utils/sample-app';
import { SessionAgent } from './utils/session-agent';
import { setCookieHeaders } from './utils/session-cookie';

@Controller()
class AuthController {
  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() body: { id: string; roles: string[] }, @Session() session: Session): { ok: true } {
    session.login({ id: body.id, roles: body.roles });
    return { ok: true };
  }

  @Public()
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

@Controller()
class AccountController {
  @Get('me')
  me(@Session() session: Session): { id: string } {
    return { id: session.user!.id };
  }

  @Get('plain')
  plain(): { ok: true } {
    return { ok: true };
  }

  @Get('audit')
  @Roles('admin', 'auditor', { match: 'all' })
  audit(): { audited: true } {
    return { audited: true };
  }
}

/** An app service that the subclass below takes in its own constructor. */
@Injectable()
class BanList {
  readonly banned = new Set(['mallory']);
}

/** The subclass a team writes: its own dependency, `super()` with no arguments, the rest inherited. */
@Injectable()
class BanningGuard extends SessionAuthGuard {
  constructor(private readonly banList: BanList) {
    super();
  }

  protected override hasRole(user: SessionUser, roles: string[], match?: RolesMatch): boolean {
    return !this.banList.banned.has(user.id) && super.hasRole(user, roles, match);
  }
}

describe.each(PLATFORMS)('SessionAuthGuard as APP_GUARD on %s', (platform) => {
  describe('the guard itself', () => {
    const store = new ReadCountingStore();
    let app: INestApplication;
    let url: string;
    const agent = () => new SessionAgent(url);

    async function loggedIn(roles: string[]): Promise<SessionAgent> {
      const client = agent();
      await client.post('/login').send({ id: 'u-1', roles }).expect(200);
      return client;
    }

    beforeAll(async () => {
      app = await listenFixtureApp(platform, {
        imports: [SessionModule.forRoot({ secret: TEST_SECRET, store, cleanupInterval: 0 })],
        controllers: [AuthController, AccountController],
        providers: [{ provide: APP_GUARD, useClass: SessionAuthGuard }],
      });
      url = await app.getUrl();
    });
    afterAll(() => app.close());

    it('lets an anonymous client log in through a @Public() route', async () => {
      const client = agent();
      await client.post('/login').send({ id: 'u-1', roles: [] }).expect(200, { ok: true });
      expect(client.cookie).toBeDefined();
      await client.get('/me').expect(200, { id: 'u-1' });
    });

    it('answers a @Public() route without a session and without reading the store, even given a cookie', async () => {
      const client = await loggedIn([]);
      const reads = store.reads;
      const response = await client.get('/health').expect(200, { status: 'ok' });
      expect(store.reads).toBe(reads);
      expect(setCookieHeaders(response)).toEqual([]);
      // Control: a guarded route does read the store, so the check above can see reads.
      await client.get('/plain').expect(200);
      expect(store.reads).toBeGreaterThan(reads);
    });

    it('answers 401 on a guarded route without a login, 200 after one', async () => {
      await agent().get('/me').expect(401);
      await agent().get('/plain').expect(401);
      const client = await loggedIn([]);
      await client.get('/plain').expect(200, { ok: true });
    });

    it('answers 403 when the user has only some of the roles a { match: "all" } route needs', async () => {
      const client = await loggedIn(['auditor']);
      await client.get('/audit').expect(403);
      const both = await loggedIn(['auditor', 'admin']);
      await both.get('/audit').expect(200, { audited: true });
    });

    it('names none of the roles in the 403 body', async () => {
      const client = await loggedIn(['viewer']);
      const response = await client.get('/audit').expect(403);
      expect(response.body).toEqual({
        statusCode: 403,
        message: 'You do not have the role this needs',
        error: 'Forbidden',
      });
      expect(response.text).not.toMatch(/admin|auditor/);
    });
  });

  describe('a subclass with a dependency of its own', () => {
    let app: INestApplication;
    let url: string;

    beforeAll(async () => {
      app = await listenFixtureApp(platform, {
        imports: [SessionModule.forRoot({ secret: TEST_SECRET, store: new ReadCountingStore(), cleanupInterval: 0 })],
        controllers: [AuthController, AccountController],
        providers: [BanList, { provide: APP_GUARD, useClass: BanningGuard }],
      });
      url = await app.getUrl();
    });
    afterAll(() => app.close());

    it('is built by Nest with the inherited dependencies injected, and applies its own rule', async () => {
      const mallory = new SessionAgent(url);
      await mallory
        .post('/login')
        .send({ id: 'mallory', roles: ['admin', 'auditor'] })
        .expect(200);
      await mallory.get('/audit').expect(403);
      await mallory.get('/me').expect(200, { id: 'mallory' });

      const alice = new SessionAgent(url);
      await new SessionAgent(url).get('/me').expect(401);
      await alice
        .post('/login')
        .send({ id: 'alice', roles: ['admin', 'auditor'] })
        .expect(200);
      await alice.get('/audit').expect(200, { audited: true });
    });
  });
});
