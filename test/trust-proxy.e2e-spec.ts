import { Controller, HttpCode, type INestApplication, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import type { App } from 'supertest/types';
import type { DataSource } from 'typeorm';
import { Session, SessionAuthGuard, SessionInterceptor, SessionModule } from '../src';
import { SessionEntity, TypeOrmSessionStore } from '../src/typeorm';
import type { SampleConfig } from '../sample/sample-config';
import { createMigratedDataSource } from './utils/migrated-data-source';
import { PLATFORMS, type Platform } from './utils/platforms';
import { cookieOf, TEST_SECRET } from './utils/sample-app';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import type { SessionAgent } from './utils/session-agent';
import { SESSION_COOKIE } from './utils/session-cookie';
import { useSessionsDatabase } from './utils/sessions-database';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
/** The address a stolen cookie belongs to, and the one the thief really connects from. */
const VICTIM = '198.51.100.7';
const ATTACKER = '203.0.113.66';

describe('trustProxy: the client is the rightmost address that is not a trusted proxy', () => {
  const database = useSessionsDatabase('trust_proxy');

  describe.each(PLATFORMS)('on %s', (platform) => {
    /** Starts a sample server with these options for the enclosing describe. */
    function sampleServerWith(overrides: Partial<SampleConfig>): () => SampleServer {
      let server: SampleServer | undefined;
      beforeAll(async () => {
        server = await startSampleServer(database.db.url, { platform, ...overrides });
      });
      afterAll(async () => {
        await server?.close();
      });
      return () => server!;
    }

    /** Logs in through a client that sends this `X-Forwarded-For` on every request. */
    async function loginForwardedFor(server: SampleServer, forwardedFor: string): Promise<SessionAgent> {
      const agent = server.agent().with({ 'x-forwarded-for': forwardedFor });
      await agent.post('/login').send(ALICE).expect(200);
      return agent;
    }

    async function listedIp(agent: SessionAgent): Promise<string | null> {
      const response = await agent.get('/sessions').expect(200);
      return response.body.sessions.find((listed: { current: boolean }) => listed.current).ip;
    }

    // The tests connect from 127.0.0.1; 10.1.2.3 stands for a second proxy in front of the first.
    describe.each<{ trustProxy: SampleConfig['trustProxy']; via: string }>([
      { trustProxy: 'loopback', via: '' },
      { trustProxy: 1, via: '' },
      { trustProxy: ['127.0.0.1', '10.0.0.0/8'], via: ', 10.1.2.3' },
      { trustProxy: 2, via: ', 10.1.2.3' },
    ])('trustProxy: $trustProxy', ({ trustProxy, via }) => {
      const server = sampleServerWith({ trustProxy });

      it(`lists "${VICTIM}, ${ATTACKER}${via}" as ${ATTACKER}, not the address the client wrote first`, async () => {
        const agent = await loginForwardedFor(server(), `${VICTIM}, ${ATTACKER}${via}`);
        expect(await listedIp(agent)).toBe(ATTACKER);
      });
    });

    describe("trustProxy: 'loopback', bind: { ip: true }", () => {
      const server = sampleServerWith({ trustProxy: 'loopback', bind: { ip: true } });

      it("refuses a stolen cookie replayed with a forged X-Forwarded-For naming the victim's address", async () => {
        const victim = await loginForwardedFor(server(), VICTIM);
        expect(await listedIp(victim)).toBe(VICTIM);

        // What reaches the app through the proxy: the forged entry, then the thief's real address.
        await victim
          .clone({ 'x-forwarded-for': `${VICTIM}, ${ATTACKER}` })
          .get('/profile')
          .expect(401);
        await victim.get('/profile').expect(401);
      });

      it('serves the session to its client through the same proxy', async () => {
        const client = await loginForwardedFor(server(), VICTIM);
        await client.get('/profile').expect(200);
        await client
          .clone({ 'x-forwarded-for': `${VICTIM}, 127.0.0.1` })
          .get('/profile')
          .expect(200);
      });

      it.each(['not-an-ip', '999.1.2.3', '198.51.100.07', `${VICTIM}:443`, 'unknown', '_hidden'])(
        'never takes the invalid address %p as the client IP',
        async (invalid) => {
          const agent = await loginForwardedFor(server(), `${VICTIM}, ${invalid}`);
          expect(await listedIp(agent)).toBeNull();
        },
      );

      it('writes an IPv4-mapped IPv6 address as IPv4', async () => {
        const agent = await loginForwardedFor(server(), `::ffff:${ATTACKER}`);
        expect(await listedIp(agent)).toBe(ATTACKER);
        await agent.clone({ 'x-forwarded-for': ATTACKER }).get('/profile').expect(200);
      });
    });

    describe('without trustProxy, bind: { ip: true }', () => {
      const server = sampleServerWith({ bind: { ip: true } });

      it('ignores X-Forwarded-For: the socket address is listed, and binding ignores it too', async () => {
        const agent = await loginForwardedFor(server(), `${VICTIM}, ${ATTACKER}`);
        expect(await listedIp(agent)).toBe('127.0.0.1');
        await agent.clone({ 'x-forwarded-for': VICTIM }).get('/profile').expect(200);
      });
    });

    describe("WebSocket handshakes, trustProxy: 'loopback', bind: { ip: true }", () => {
      const gateway = useGatewayApp(() => database.db.url, platform);

      /** A socket.io client whose handshake carries the cookie and this `X-Forwarded-For`. */
      async function connect(cookie: string, forwardedFor: string): Promise<Socket> {
        const socket = io(gateway.url(), {
          transports: ['websocket'],
          extraHeaders: { cookie, 'x-forwarded-for': forwardedFor },
          reconnection: false,
          forceNew: true,
        });
        gateway.sockets.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
        return socket;
      }

      function whoami(socket: Socket): Promise<unknown> {
        return new Promise((resolve) => {
          socket.once('exception', (exception: { message: string }) => resolve(exception.message));
          socket.emit('whoami', {}, resolve);
        });
      }

      it('takes the client from the handshake the way HTTP does: its client passes the binding, a forger does not', async () => {
        const login = await request(gateway.app().getHttpServer())
          .post('/login')
          .set('x-forwarded-for', VICTIM)
          .expect(200);
        const cookie = cookieOf(login.headers['set-cookie'], SESSION_COOKIE)!;

        expect(await whoami(await connect(cookie, VICTIM))).toBe('alice');
        expect(await whoami(await connect(cookie, `${VICTIM}, ${ATTACKER}`))).toBe('Forbidden resource');
      });
    });
  });
});

@Controller()
class LoginController {
  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session): void {
    session.login({ id: 'alice', roles: [] });
  }
}

@WebSocketGateway()
@UseInterceptors(SessionInterceptor)
class WhoamiGateway {
  @SubscribeMessage('whoami')
  @UseGuards(SessionAuthGuard)
  whoami(@Session() session: Session): string {
    return session.user!.id;
  }
}

/** A small app with a socket.io gateway on `platform`, for the enclosing describe. */
function useGatewayApp(databaseUrl: () => string, platform: Platform) {
  let dataSource: DataSource | undefined;
  let app: INestApplication<App> | undefined;
  let url = '';
  const sockets: Socket[] = [];
  beforeAll(async () => {
    dataSource = await createMigratedDataSource(databaseUrl(), { entities: [SessionEntity] });
    const moduleRef = await Test.createTestingModule({
      imports: [
        SessionModule.forRoot({
          secret: TEST_SECRET,
          store: new TypeOrmSessionStore(dataSource),
          trustProxy: 'loopback',
          bind: { ip: true },
        }),
      ],
      controllers: [LoginController],
      providers: [WhoamiGateway],
    }).compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication<INestApplication<App>>(new FastifyAdapter(), { logger: false })
        : moduleRef.createNestApplication<INestApplication<App>>({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterEach(() => sockets.splice(0).forEach((socket) => socket.disconnect()));
  afterAll(async () => {
    await app?.close();
    await dataSource?.destroy();
  });
  return { app: () => app!, url: () => url, sockets };
}
