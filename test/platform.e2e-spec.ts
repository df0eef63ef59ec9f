import {
  Controller,
  Get,
  HttpCode,
  type INestApplication,
  Injectable,
  Logger,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
  Post,
  Res,
} from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { Session, SessionModule } from '../src';
import { TypeOrmSessionStore } from '../src/typeorm';
import { useMigratedDatabase } from './utils/migrated-data-source';
import { listenFixtureApp } from './utils/fixture-app';
import { PLATFORMS, type Platform } from './utils/platforms';
import { TEST_SECRET } from './utils/sample-app';
import { SESSION_COOKIE, hashSessionId, sessionIdOf, sessionSetCookie, setCookieHeaders } from './utils/session-cookie';

const MIDDLEWARE_COOKIES = ['mw-a=1; Path=/', 'mw-b=2; Path=/'];
const HANDLER_COOKIE = 'theme=dark; Path=/';

/** Just what the handlers need from an Express `Response` or a `FastifyReply`. */
type PlatformResponse = Partial<{
  append(name: string, value: string): unknown;
  header(name: string, value: string): unknown;
  json(body: unknown): unknown;
  send(body: unknown): unknown;
}>;

/** Sets cookies on the raw Node.js response, as Express-style middleware does on both platforms. */
@Injectable()
class RawCookieMiddleware implements NestMiddleware {
  use(_request: unknown, response: { setHeader(name: string, value: string[]): void }, next: () => void): void {
    response.setHeader('Set-Cookie', MIDDLEWARE_COOKIES);
    next();
  }
}

@Controller()
class PlatformFixtureController {
  @Get('write')
  write(@Session() session: Session): { ok: true } {
    session.set('written', true);
    return { ok: true };
  }

  @Get('write-with-own-cookie')
  writeWithOwnCookie(
    @Session() session: Session,
    @Res({ passthrough: true }) response: PlatformResponse,
  ): { ok: true } {
    if (response.append) {
      response.append('Set-Cookie', HANDLER_COOKIE);
    } else {
      response.header!('Set-Cookie', HANDLER_COOKIE);
    }
    session.set('written', true);
    return { ok: true };
  }

  @Get('write-and-send-myself')
  writeAndSendMyself(@Session() session: Session, @Res() response: PlatformResponse): void {
    session.set('written', true);
    if (response.json) {
      response.json({ sentBy: 'handler' });
    } else {
      response.send!({ sentBy: 'handler' });
    }
  }

  @Post('destroy')
  @HttpCode(204)
  destroy(@Session() session: Session): void {
    session.destroy();
  }
}

describe('HTTP platform seam (cookies and client details on each platform)', () => {
  const database = useMigratedDatabase('platform');

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
    afterEach(() => {
      jest.restoreAllMocks();
    });

    /** A `__Host-sid=...` cookie of a stored session. */
    async function storedSessionCookie(): Promise<string> {
      const response = await request(url).get('/write').expect(200);
      return `${SESSION_COOKIE}=${sessionSetCookie(response)!.value}`;
    }

    it('keeps the cookies middleware set on the raw response, each as a header line of its own', async () => {
      const response = await request(url).get('/write').expect(200, { ok: true });
      const headers = setCookieHeaders(response);
      expect(headers).toHaveLength(3);
      expect(headers.slice(0, 2)).toEqual(MIDDLEWARE_COOKIES);
      expect(headers[2]).toMatch(/^__Host-sid=[\w-]{43}\.[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it("adds the session cookie after the handler's own, as separate headers", async () => {
      const response = await request(url).get('/write-with-own-cookie').expect(200, { ok: true });
      const headers = setCookieHeaders(response);
      expect(headers).toHaveLength(2);
      expect(headers[0]).toBe(HANDLER_COOKIE);
      expect(sessionSetCookie(response)).toMatchObject({ httpOnly: true, path: '/' });
    });

    it('clears the cookie of a destroyed session on a 204 response', async () => {
      const cookie = await storedSessionCookie();
      const response = await request(url).post('/destroy').set('Cookie', cookie).expect(204);
      expect(setCookieHeaders(response)).toEqual([
        '__Host-sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
      ]);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(await storedRow(cookie)).toBeUndefined();
    });

    it('records the client address and user agent the platform reports', async () => {
      const response = await request(url).get('/write').set('User-Agent', `platform-test/${platform}`).expect(200);
      const row = await storedRow(`${SESSION_COOKIE}=${sessionSetCookie(response)!.value}`);
      expect(row).toEqual({ ip: '127.0.0.1', user_agent: `platform-test/${platform}` });
    });

    it('warns, and sends no cookie, when the handler sent the response itself before the commit', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const response = await request(url).get('/write-and-send-myself').expect(200, { sentBy: 'handler' });
      expect(setCookieHeaders(response)).toEqual([]);
      // The warning comes after the response, once the store write has finished.
      await waitFor(() => warn.mock.calls.length > 0);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/sent before the session committed/));
    });
  });

  async function storedRow(cookie: string): Promise<{ ip: string | null; user_agent: string | null } | undefined> {
    const rows = await database.dataSource.query('SELECT ip, user_agent FROM sessions WHERE id_hash = $1', [
      hashSessionId(sessionIdOf(cookie)),
    ]);
    return rows[0];
  }
});

/** The fixture app on `platform`, with the session module on the test database, listening on 127.0.0.1. */
async function startFixtureApp(platform: Platform, dataSource: DataSource): Promise<INestApplication> {
  @Module({
    imports: [SessionModule.forRoot({ secret: TEST_SECRET, store: new TypeOrmSessionStore(dataSource) })],
    controllers: [PlatformFixtureController],
  })
  class PlatformFixtureModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      consumer.apply(RawCookieMiddleware).forRoutes('write');
    }
  }
  return listenFixtureApp(platform, { imports: [PlatformFixtureModule] });
}

/** Polls `condition` every 10 ms for up to a second. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 1000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
