/** Test support: a Nest app with DBSC on a memory store, and a one-origin browser with a cookie jar (not part of the package). */
import { Controller, Get, Post, UnauthorizedException, type INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { SessionEvent } from '../events/session-event.interface';
import { SessionEvents } from '../events/session-events';
import { Session } from '../http/session.decorator';
import { SessionTransport } from '../http/session-transport.decorator';
import { SessionModule } from '../module/session.module';
import type { SessionModuleOptions } from '../module/session-module-options.interface';
import { MemorySessionStore } from '../store/memory-session.store';

export const SECRET = 'a-session-secret-of-at-least-32-characters';

@Controller()
class DbscTestController {
  @Post('login')
  login(@Session() session: Session): object {
    session.login({ id: 'u-1', roles: [] });
    return { ok: true };
  }

  @Get('profile')
  profile(@Session() session: Session): object {
    if (!session.isAuthenticated) {
      throw new UnauthorizedException();
    }
    return { userId: session.user?.id, deviceBound: session.deviceBound };
  }

  @Post('logout')
  logout(@Session() session: Session): object {
    session.logout();
    return { ok: true };
  }

  @Post('offer')
  offer(@Session() session: Session): object {
    session.offerDeviceBinding();
    return { ok: true };
  }

  @Post('api/login')
  @SessionTransport('header')
  apiLogin(@Session() session: Session): object {
    session.login({ id: 'u-1', roles: [] });
    return { ok: true };
  }
}

/** A memory store whose reads take a while: requests sent together all read before any of them writes. */
export class SlowReadStore extends MemorySessionStore {
  override async get(...args: Parameters<MemorySessionStore['get']>): ReturnType<MemorySessionStore['get']> {
    const found = await super.get(...args);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return found;
  }
}

export interface DbscApp {
  app: INestApplication;
  store: MemorySessionStore;
  events: SessionEvent[];
  close(): Promise<void>;
}

export async function startDbscApp(
  platform: 'express' | 'fastify',
  options: Partial<SessionModuleOptions> = {},
  prefix?: string,
  async = false,
): Promise<DbscApp> {
  const store = (options.store as MemorySessionStore | undefined) ?? new MemorySessionStore();
  const all = { secret: SECRET, store, dbsc: {}, ...options };
  const moduleRef = await Test.createTestingModule({
    imports: [
      async ? SessionModule.forRootAsync({ useFactory: () => Promise.resolve(all) }) : SessionModule.forRoot(all),
    ],
    controllers: [DbscTestController],
  }).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication({ logger: false })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  if (prefix) {
    app.setGlobalPrefix(prefix);
  }
  await app.init();
  if (platform === 'fastify') {
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  }
  const events: SessionEvent[] = [];
  app.get(SessionEvents).events$.subscribe((event) => events.push(event));
  return { app, store, events, close: () => app.close() };
}

/** One browser: the cookies the app set, sent back with every request. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  constructor(private readonly app: INestApplication) {}

  header(names?: string[]): string {
    return [...this.cookies]
      .filter(([name]) => !names || names.includes(name))
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
  }

  async send(
    method: 'get' | 'post',
    path: string,
    headers: Record<string, string> = {},
    only?: string[],
  ): Promise<request.Response> {
    const cookie = this.header(only);
    const call = request(this.app.getHttpServer())[method](path);
    const response = await Object.entries({ ...headers, ...(cookie ? { cookie } : {}) }).reduce(
      (req, [name, value]) => req.set(name, value),
      call,
    );
    this.keep(response);
    return response;
  }

  keep(response: request.Response): void {
    const setCookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
    for (const line of setCookies) {
      const [pair] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (/Expires=Thu, 01 Jan 1970|Max-Age=0\b/.test(line) || value === '') {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, value);
      }
    }
  }
}
