import {
  Body,
  Controller,
  Get,
  HttpCode,
  type INestApplication,
  Post,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import type { App } from 'supertest/types';
import type { DataSource } from 'typeorm';
import {
  Roles,
  Session,
  SessionAuthGuard,
  SessionInterceptor,
  SessionModule,
  SessionStore,
  type SessionUser,
} from '../src';
import { SessionEntity, TypeOrmSessionStore } from '../src/typeorm';
import { createMigratedDataSource } from './utils/migrated-data-source';
import { cookieOf, TEST_SECRET } from './utils/sample-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

interface Notes {
  visits: number;
  note: string;
}

/** Logging in and out happens over HTTP: a gateway cannot set cookies. */
@Controller('account')
class AccountController {
  @Post('login')
  @HttpCode(200)
  login(@Body('username') username: string, @Session() session: Session): { ok: true } {
    session.login({ id: username, roles: username === 'root' ? ['admin'] : ['member'] });
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(200)
  logout(@Session() session: Session): { ok: true } {
    session.destroy();
    return { ok: true };
  }

  /** Stores an anonymous session. */
  @Post('visit')
  @HttpCode(200)
  visit(@Session() session: Session<Notes>): { visits: number } {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return { visits };
  }

  @Get('note')
  note(@Session() session: Session<Notes>): { note: string | null } {
    return { note: session.get('note') ?? null };
  }
}

/**
 * A gateway that also names SessionInterceptor itself, as earlier versions needed: `@Session()`
 * binds it to each handler too, and it acts once per message.
 */
@WebSocketGateway()
@UseInterceptors(SessionInterceptor)
class AccountGateway {
  @SubscribeMessage('whoami')
  @UseGuards(SessionAuthGuard)
  whoami(@Session() session: Session): SessionUser {
    return session.user!;
  }

  @SubscribeMessage('admin')
  @UseGuards(SessionAuthGuard)
  @Roles('admin')
  admin(@Session() session: Session): { welcome: string } {
    return { welcome: session.user!.id };
  }

  @SubscribeMessage('visits')
  visits(@Session() session: Session<Notes>): { visits: number | null; user: string | null } {
    return { visits: session.get('visits') ?? null, user: session.user?.id ?? null };
  }

  @SubscribeMessage('note')
  async note(
    @MessageBody() body: { text: string; save: boolean },
    @Session() session: Session<Notes>,
  ): Promise<{ ok: true }> {
    session.set('note', body.text);
    if (body.save) {
      await session.save();
    }
    return { ok: true };
  }
}

/** `@Session()` alone gives a handler each message's session (read from the handshake's cookie). */
@WebSocketGateway()
class ProfileGateway {
  @SubscribeMessage('profile')
  profile(@Session() session: Session): { user: string | null } {
    return { user: session.user?.id ?? null };
  }
}

/** The guard alone authorizes a message; a handler without `@Session()` needs nothing else. */
@WebSocketGateway()
class StatusGateway {
  @SubscribeMessage('ping')
  @UseGuards(SessionAuthGuard)
  ping(): string {
    return 'pong';
  }
}

/** What a message got back: the handler's answer (the acknowledgement), or the exception Nest emitted. */
interface Reply {
  answer?: unknown;
  exception?: { status: string; message: string };
}

describe('Sessions in WebSocket gateways (Express + socket.io)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let app: INestApplication<App>;
  let url: string;
  const sockets: Socket[] = [];

  const http = () => request(app.getHttpServer());

  async function loginAs(username: string): Promise<string> {
    const response = await http().post('/account/login').send({ username }).expect(200);
    return cookieOf(response.headers['set-cookie'])!;
  }

  /** A socket.io client whose handshake carries `cookie`, as a browser's would. */
  async function connect(cookie?: string): Promise<Socket> {
    const socket = io(url, {
      transports: ['websocket'],
      extraHeaders: cookie ? { cookie } : {},
      reconnection: false,
      forceNew: true,
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  }

  function ask(socket: Socket, event: string, data: unknown = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new Error(`No answer to "${event}"`))), 1500);
      const onException = (exception: Reply['exception']) => finish(() => resolve({ exception }));
      function finish(settle: () => void): void {
        clearTimeout(timer);
        socket.off('exception', onException);
        settle();
      }
      socket.once('exception', onException);
      socket.emit(event, data, (answer: unknown) => finish(() => resolve({ answer })));
    });
  }

  const FORBIDDEN = { exception: expect.objectContaining({ status: 'error', message: 'Forbidden resource' }) };

  beforeAll(async () => {
    db = await createTestDatabase('websocket');
    dataSource = await createMigratedDataSource(db.url, { entities: [SessionEntity] });
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secret: TEST_SECRET, store: new TypeOrmSessionStore(dataSource) })],
      controllers: [AccountController],
      providers: [AccountGateway, StatusGateway, ProfileGateway],
    }).compile();
    app = moduleRef.createNestApplication<INestApplication<App>>({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterEach(() => {
    jest.restoreAllMocks();
    sockets.splice(0).forEach((socket) => socket.disconnect());
  });

  afterAll(async () => {
    await app?.close();
    await dataSource?.destroy();
    await db?.drop();
  });

  describe('SessionAuthGuard on a message handler', () => {
    it('answers the user logged in over HTTP, from the cookie of the socket’s handshake', async () => {
      const socket = await connect(await loginAs('alice'));

      expect(await ask(socket, 'whoami')).toEqual({ answer: { id: 'alice', roles: ['member'] } });
    });

    it('gives @Session() the session in a gateway that does not name SessionInterceptor', async () => {
      expect(await ask(await connect(await loginAs('erin')), 'profile')).toEqual({ answer: { user: 'erin' } });
      expect(await ask(await connect(), 'profile')).toEqual({ answer: { user: null } });
    });

    it('denies a socket without a session cookie with the "Forbidden resource" exception', async () => {
      const socket = await connect();

      expect(await ask(socket, 'whoami')).toEqual(FORBIDDEN);
    });

    it('denies a socket whose session has no logged-in user', async () => {
      const visit = await http().post('/account/visit').expect(200);
      const socket = await connect(cookieOf(visit.headers['set-cookie']));

      expect(await ask(socket, 'whoami')).toEqual(FORBIDDEN);
    });

    it('denies a user without the role @Roles() asks for, and admits one with it', async () => {
      const member = await connect(await loginAs('bob'));
      const admin = await connect(await loginAs('root'));

      expect(await ask(member, 'admin')).toEqual(FORBIDDEN);
      expect(await ask(admin, 'admin')).toEqual({ answer: { welcome: 'root' } });
    });

    it('reads the session anew for every message: once it is destroyed over HTTP, the same open socket is denied', async () => {
      const cookie = await loginAs('carol');
      const socket = await connect(cookie);
      expect(await ask(socket, 'whoami')).toEqual({ answer: { id: 'carol', roles: ['member'] } });

      await http().post('/account/logout').set('Cookie', cookie).expect(200);

      expect(socket.connected).toBe(true);
      expect(await ask(socket, 'whoami')).toEqual(FORBIDDEN);
    });

    it('lets a handler without @Session() rely on the guard alone', async () => {
      const anonymous = await connect();
      const member = await connect(await loginAs('gina'));

      expect(await ask(anonymous, 'ping')).toEqual(FORBIDDEN);
      expect(await ask(member, 'ping')).toEqual({ answer: 'pong' });
    });

    it('answers every one of several messages sent at once on one socket with its session', async () => {
      const socket = await connect(await loginAs('dave'));

      const replies = await Promise.all([1, 2, 3, 4, 5].map(() => ask(socket, 'whoami')));

      expect(replies).toEqual(Array(5).fill({ answer: { id: 'dave', roles: ['member'] } }));
    });
  });

  describe('SessionInterceptor on a message handler', () => {
    it('gives @Session() the data of an anonymous session stored over HTTP', async () => {
      const first = await http().post('/account/visit').expect(200, { visits: 1 });
      const cookie = cookieOf(first.headers['set-cookie'])!;
      await http().post('/account/visit').set('Cookie', cookie).expect(200, { visits: 2 });
      const socket = await connect(cookie);

      expect(await ask(socket, 'visits')).toEqual({ answer: { visits: 2, user: null } });
    });

    it('gives @Session() an empty session to a socket without a cookie', async () => {
      const socket = await connect();

      expect(await ask(socket, 'visits')).toEqual({ answer: { visits: null, user: null } });
    });

    it('reads the store once per message although the guard and the interceptor both need the session', async () => {
      const socket = await connect(await loginAs('erin'));
      const get = jest.spyOn(app.get(SessionStore), 'get');

      expect(await ask(socket, 'whoami')).toEqual({ answer: { id: 'erin', roles: ['member'] } });
      expect(await ask(socket, 'whoami')).toEqual({ answer: { id: 'erin', roles: ['member'] } });

      expect(get).toHaveBeenCalledTimes(2);
    });

    it('stores a change made in a gateway only through session.save(): the message has no response to commit with', async () => {
      const cookie = await loginAs('frank');
      const socket = await connect(cookie);

      expect(await ask(socket, 'note', { text: 'unsaved', save: false })).toEqual({ answer: { ok: true } });
      await http().get('/account/note').set('Cookie', cookie).expect(200, { note: null });

      expect(await ask(socket, 'note', { text: 'saved', save: true })).toEqual({ answer: { ok: true } });
      await http().get('/account/note').set('Cookie', cookie).expect(200, { note: 'saved' });
    });
  });
});
