import { Controller, ForbiddenException, Get, HttpCode, type INestApplication, Post } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Session, SessionModule } from '../src';
import { TypeOrmSessionStore } from '../src/typeorm';
import { useMigratedDatabase } from './utils/migrated-data-source';
import { listenFixtureApp } from './utils/fixture-app';
import { PLATFORMS, type Platform } from './utils/platforms';
import { TEST_SECRET } from './utils/sample-app';
import { SessionAgent } from './utils/session-agent';
import { sessionSetCookie } from './utils/session-cookie';

const ALICE = { id: 'alice', roles: ['user'] };
const THIRTY_DAYS = 30 * 24 * 60 * 60 * 1000;

/** Each `-then-throw` route changes the session, then fails as a handler may (a check after the change). */
@Controller()
class ErrorPathController {
  @Get('state')
  state(@Session() session: Session) {
    return { user: session.user?.id ?? null, roles: session.user?.roles ?? [], data: session.toJSON() };
  }

  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session) {
    session.login(ALICE);
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(200)
  logout(@Session() session: Session) {
    session.logout();
    return { ok: true };
  }

  @Post('destroy')
  @HttpCode(200)
  destroy(@Session() session: Session) {
    session.destroy();
    return { ok: true };
  }

  @Post('note-then-throw')
  note(@Session() session: Session): never {
    session.set('note', 'kept');
    throw new ForbiddenException('after a plain data change');
  }

  @Post('login-then-throw')
  loginThenThrow(@Session() session: Session): never {
    session.set('note', 'kept');
    session.login({ id: 'admin', roles: ['user', 'admin'] });
    throw new ForbiddenException('after login');
  }

  @Post('logout-then-throw')
  logoutThenThrow(@Session() session: Session): never {
    session.logout();
    throw new ForbiddenException('after logout');
  }

  @Post('destroy-then-throw')
  destroyThenThrow(@Session() session: Session): never {
    session.destroy();
    throw new ForbiddenException('after destroy');
  }

  @Post('lifetime-then-throw')
  lifetimeThenThrow(@Session() session: Session): never {
    session.setLifetime(THIRTY_DAYS);
    throw new ForbiddenException('after a lifetime change');
  }

  @Post('regenerate-then-throw')
  regenerateThenThrow(@Session() session: Session): never {
    session.regenerate();
    throw new ForbiddenException('after regenerate');
  }
}

describe('a handler that throws (only plain data changes are committed) and Clear-Site-Data', () => {
  const database = useMigratedDatabase('error_path');

  describe.each(PLATFORMS)('on %s', (platform) => {
    let app: INestApplication;
    let url: string;

    beforeAll(async () => {
      app = await startFixtureApp(platform, database.dataSource);
      url = await app.getUrl();
    });
    afterAll(async () => {
      await app?.close();
    });

    async function loggedIn(): Promise<SessionAgent> {
      const agent = new SessionAgent(url);
      await agent.post('/login').expect(200);
      return agent;
    }

    it('keeps a plain data change made before the throw', async () => {
      const agent = new SessionAgent(url);
      await agent.post('/note-then-throw').expect(403);
      await agent.get('/state').expect(200, { user: null, roles: [], data: { note: 'kept' } });
    });

    it('never logs in on an error response: no cookie for the login, the data change kept', async () => {
      const agent = await loggedIn();
      const before = agent.cookie;
      const response = await agent.post('/login-then-throw').expect(403);
      expect(sessionSetCookie(response)).toBeUndefined();
      expect(agent.cookie).toBe(before);
      await agent.get('/state').expect(200, { user: 'alice', roles: ['user'], data: { note: 'kept' } });
    });

    it('never logs in a new visitor on an error response', async () => {
      const agent = new SessionAgent(url);
      await agent.post('/login-then-throw').expect(403);
      await agent.get('/state').expect(200, { user: null, roles: [], data: { note: 'kept' } });
    });

    it.each(['logout', 'destroy', 'regenerate'])(
      'keeps the session and its ID when the handler throws after %s',
      async (change) => {
        const agent = await loggedIn();
        const before = agent.cookie;
        const response = await agent.post(`/${change}-then-throw`).expect(403);
        expect(sessionSetCookie(response)).toBeUndefined();
        expect(response.headers['clear-site-data']).toBeUndefined();
        await new SessionAgent(url, before).get('/state').expect(200, { user: 'alice', roles: ['user'], data: {} });
      },
    );

    it('keeps the lifetime when the handler throws after setLifetime', async () => {
      const agent = await loggedIn();
      const response = await agent.post('/lifetime-then-throw').expect(403);
      expect(sessionSetCookie(response)).toBeUndefined();
      const [row] = await database.dataSource.query(
        `SELECT lifetime_ms FROM sessions WHERE user_id = 'alice' ORDER BY created_at DESC LIMIT 1`,
      );
      expect(row.lifetime_ms).toBeNull();
    });

    it('sends Clear-Site-Data on logout and destroy, and not on login', async () => {
      const agent = new SessionAgent(url);
      const login = await agent.post('/login').expect(200);
      expect(login.headers['clear-site-data']).toBeUndefined();
      const logout = await agent.post('/logout').expect(200);
      expect(logout.headers['clear-site-data']).toBe('"cookies", "storage"');
      await agent.post('/login').expect(200);
      const destroy = await agent.post('/destroy').expect(200);
      expect(destroy.headers['clear-site-data']).toBe('"cookies", "storage"');
      expect(destroy.headers['cache-control']).toBe('no-store');
    });
  });
});

function startFixtureApp(platform: Platform, dataSource: DataSource): Promise<INestApplication> {
  return listenFixtureApp(platform, {
    imports: [
      SessionModule.forRoot({
        secret: TEST_SECRET,
        store: new TypeOrmSessionStore(dataSource),
        clearSiteData: ['cookies', 'storage'],
      }),
    ],
    controllers: [ErrorPathController],
  });
}
