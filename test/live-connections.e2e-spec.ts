import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import WebSocket, { WebSocketServer } from 'ws';
import { SESSION_ENDED_CLOSE_CODE, SessionConnections } from '../src';
import { e2eStore } from './utils/e2e-store';
import { PLATFORMS } from './utils/platforms';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import type { SessionAgent } from './utils/session-agent';
import { useSessionsDatabase } from './utils/sessions-database';
import { sleep } from './utils/sleep';
import { waitUntil } from './utils/wait-until';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const ADMIN = { username: 'admin', password: 'admin-pass-123' };
/** The contract's bound: a socket is disconnected within 2 s of its session ending. */
const BOUND_MS = 2000;
/** How long a test waits for a disconnection before it fails (past the bound, to report the time seen). */
const GIVE_UP_MS = 8000;
/** The idle timeout of the instance that tests expiry and socket activity. */
const SHORT_IDLE_MS = 3000;

/**
 * Per case, milliseconds from sending the request that ended a session to the disconnection
 * (`fromRequest`, what the tests bound), and from its response (`fromResponse`: negative when the
 * socket was gone before the client read the response). For expiry, both count from the expiry.
 */
const measured: Record<string, Array<{ fromRequest: number; fromResponse: number }>> = {};

/** The event streams a test opened, closed after it (a failed test must not keep the app from closing). */
const streams: http.ClientRequest[] = [];

/** When the request that ends a session was sent and answered (performance.now()). */
interface Timed {
  sent: number;
  answered: number;
}

/** Sends the request that ends a session, noting when. */
async function timed(end: () => PromiseLike<unknown>): Promise<Timed> {
  const sent = performance.now();
  await end();
  return { sent, answered: performance.now() };
}

/** Records the case's times; returns the time from the request to `endedAt`. */
function record(label: string, endedAt: number, { sent, answered }: Timed): number {
  (measured[label] ??= []).push({
    fromRequest: Math.round(endedAt - sent),
    fromResponse: Math.round(endedAt - answered),
  });
  return endedAt - sent;
}

afterAll(() => {
  const file = path.join(
    tmpdir(),
    `nest-sessions-live-connections-${e2eStore()}${process.env.E2E_SESSION_CACHE_MS ? '-cache' : ''}.json`,
  );
  writeFileSync(file, JSON.stringify({ store: e2eStore(), boundMs: BOUND_MS, measured }, null, 2));
  console.log(`revocation-to-disconnect times (ms), also in ${file}:\n${JSON.stringify(measured)}`);
});

const connectionsOf = (server: SampleServer) => server.app.get(SessionConnections);

/** A socket.io client of `server` whose handshake carries the cookie or `auth.token`; resolves once the server tracks it (if logged in). */
async function connect(
  server: SampleServer,
  credentials: { cookie?: string; token?: string },
  tracked = Boolean(credentials.cookie || credentials.token),
): Promise<Socket> {
  const before = connectionsOf(server).size;
  const socket = io(server.url, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: credentials.cookie ? { cookie: credentials.cookie } : {},
    auth: credentials.token ? { token: credentials.token } : {},
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  if (tracked) {
    await waitUntil(() => connectionsOf(server).size > before, 5000, 10);
  }
  return socket;
}

const whoami = (socket: Socket): Promise<{ userId: string | null }> => socket.timeout(5000).emitWithAck('whoami');

/** When `socket` is disconnected (performance.now()), or rejects after {@link GIVE_UP_MS}. */
function disconnection(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    if (socket.disconnected) {
      reject(new Error('The socket was disconnected already'));
      return;
    }
    const timer = setTimeout(() => reject(new Error(`Still connected ${GIVE_UP_MS} ms later`)), GIVE_UP_MS);
    socket.once('disconnect', () => {
      clearTimeout(timer);
      resolve(performance.now());
    });
  });
}

/** Runs `end` (a request that ends the session); milliseconds from sending it to the disconnection. */
async function disconnectedAfter(label: string, socket: Socket, end: () => PromiseLike<unknown>): Promise<number> {
  const disconnected = disconnection(socket);
  const times = await timed(end);
  return record(label, await disconnected, times);
}

async function loggedIn(server: SampleServer, user = ALICE): Promise<SessionAgent> {
  const agent = server.agent();
  await agent.post('/login').send(user).expect(200);
  return agent;
}

async function handleOf(agent: SessionAgent): Promise<string> {
  const { sessions } = (await agent.get('/sessions').expect(200)).body as {
    sessions: { id: string; current: boolean }[];
  };
  return sessions.find((session) => session.current)!.id;
}

/**
 * Sockets and event streams opened on one instance of the sample end within 2 s of their session
 * ending on another (logout, revocation, password change), or of its expiry; activity on a socket
 * keeps its session alive.
 */
describe('live connections end with their session', () => {
  const database = useSessionsDatabase('live_connections');

  describe.each(PLATFORMS)('on %s', (platform) => {
    let a: SampleServer;
    let b: SampleServer;
    const sockets: Socket[] = [];
    let aliceId: string;

    beforeAll(async () => {
      // One after the other: each runs the migrations at start-up.
      a = await startSampleServer(database.db.url, { platform });
      b = await startSampleServer(database.db.url, { platform });
      await waitUntil(() => connectionsOf(a).listeningToChanges && connectionsOf(b).listeningToChanges);
      aliceId = ((await a.agent().post('/login').send(ALICE).expect(200)).body as { user: { id: string } }).user.id;
    });

    afterEach(() => {
      sockets.splice(0).forEach((socket) => socket.disconnect());
      streams.splice(0).forEach((stream) => stream.destroy());
    });

    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    async function socketOf(
      server: SampleServer,
      credentials: { cookie?: string; token?: string } = {},
      tracked?: boolean,
    ) {
      const socket = await connect(server, credentials, tracked);
      sockets.push(socket);
      return socket;
    }

    it('answers whoami with the handshake cookie’s user, and null for an anonymous or forged handshake', async () => {
      const alice = await loggedIn(a);
      expect(await whoami(await socketOf(a, { cookie: alice.cookie }))).toEqual({ userId: aliceId });
      expect(await whoami(await socketOf(a))).toEqual({ userId: null });
      const forged = `${alice.cookie!.slice(0, -3)}xyz`;
      expect(await whoami(await socketOf(a, { cookie: forged }, false))).toEqual({ userId: null });
    });

    it('authenticates a handshake by auth.token (POST /api/login)', async () => {
      const login = await b.agent().post('/api/login').send(ALICE);
      if (login.status === 404) {
        console.warn('POST /api/login is not in the sample yet: the auth.token handshake is not tested');
        return;
      }
      const { token } = login.body as { token: string };
      const socket = await socketOf(a, { token });
      expect(await whoami(socket)).toEqual({ userId: aliceId });
      const ms = await disconnectedAfter('api-logout', socket, () =>
        b.agent().post('/api/logout').set('Authorization', `Bearer ${token}`).expect(200),
      );
      expect(ms).toBeLessThan(BOUND_MS);
    });

    it('disconnects a socket within 2 s of a logout on the other instance', async () => {
      const alice = await loggedIn(a);
      const socket = await socketOf(a, { cookie: alice.cookie });
      const ms = await disconnectedAfter('logout', socket, () => b.agent(alice.cookie).post('/logout').expect(200));
      expect(ms).toBeLessThan(BOUND_MS);
    });

    it('disconnects a socket within 2 s of its session being revoked from another session (DELETE /sessions/:id)', async () => {
      const phone = await loggedIn(a);
      const handle = await handleOf(phone);
      const socket = await socketOf(a, { cookie: phone.cookie });
      const laptop = await loggedIn(b);
      const ms = await disconnectedAfter('revoke-one', socket, () => laptop.delete(`/sessions/${handle}`).expect(200));
      expect(ms).toBeLessThan(BOUND_MS);
      expect(await whoami(await socketOf(b, { cookie: laptop.cookie }))).toEqual({ userId: aliceId });
    });

    it('disconnects the sockets of every other session (DELETE /sessions/others), and keeps the current one’s', async () => {
      const phone = await loggedIn(a);
      const tablet = await loggedIn(b);
      const phoneSocket = await socketOf(a, { cookie: phone.cookie });
      const tabletSocket = await socketOf(b, { cookie: tablet.cookie });
      const laptop = await loggedIn(b);
      const laptopSocket = await socketOf(a, { cookie: laptop.cookie });
      const phoneGone = disconnection(phoneSocket);
      const tabletGone = disconnection(tabletSocket);
      const times = await timed(() => laptop.delete('/sessions/others').expect(200));
      const ms = record('revoke-others', Math.max(await phoneGone, await tabletGone), times);
      expect(ms).toBeLessThan(BOUND_MS);
      await sleep(BOUND_MS);
      expect(laptopSocket.connected).toBe(true);
    });

    it('disconnects the other sessions’ sockets on a password change, and keeps the changing device’s', async () => {
      const other = await loggedIn(a, ADMIN);
      const otherSocket = await socketOf(a, { cookie: other.cookie });
      const current = await loggedIn(b, ADMIN);
      const currentSocket = await socketOf(a, { cookie: current.cookie });
      const disconnected = disconnection(otherSocket);
      let change: { status: number } = { status: 0 };
      const times = await timed(async () => {
        change = await current.post('/password').send({ current: ADMIN.password, next: 'admin-pass-456' });
      });
      if (change.status === 404) {
        console.warn('POST /password is not in the sample yet: the password-change case is not tested');
        await disconnected.catch(() => undefined);
        return;
      }
      expect(change.status).toBe(200);
      const ms = record('password-change', await disconnected, times);
      expect(ms).toBeLessThan(BOUND_MS);
      await sleep(BOUND_MS);
      expect(currentSocket.connected).toBe(true);
      await current.post('/password').send({ current: 'admin-pass-456', next: ADMIN.password }).expect(200);
    });

    it('ends a server-sent-events stream within 2 s of a logout on the other instance', async () => {
      const alice = await loggedIn(a);
      const stream = await openEvents(a.url, alice.cookie!);
      expect(stream.firstEvent).toMatchObject({ userId: aliceId });
      const times = await timed(() => b.agent(alice.cookie).post('/logout').expect(200));
      const ms = record('sse-logout', await stream.ended, times);
      expect(ms).toBeLessThan(BOUND_MS);
    });

    it('answers 401 to an anonymous GET /events', async () => {
      await a.agent().get('/events').expect(401);
    });

    it('closes a `ws` WebSocket with 4401 within 2 s of its session being revoked on the other instance', async () => {
      const wss = new WebSocketServer({ noServer: true });
      const server = a.app.getHttpServer() as unknown as http.Server;
      const upgrade = (request: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
        if (request.url === '/raw-ws') {
          wss.handleUpgrade(request, socket, head, (ws) => void connectionsOf(a).attach(ws, request));
        }
      };
      server.on('upgrade', upgrade);
      let ws: WebSocket | undefined;
      try {
        const phone = await loggedIn(a);
        const handle = await handleOf(phone);
        const tracked = connectionsOf(a).size;
        const client = new WebSocket(`${a.url.replace('http', 'ws')}/raw-ws`, { headers: { cookie: phone.cookie! } });
        ws = client;
        await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
        await waitUntil(() => connectionsOf(a).size > tracked, 5000, 10);
        const closed = new Promise<{ code: number; at: number }>((resolve, reject) => {
          setTimeout(() => reject(new Error(`Still open ${GIVE_UP_MS} ms later`)), GIVE_UP_MS).unref();
          client.once('close', (code) => resolve({ code, at: performance.now() }));
        });
        const laptop = await loggedIn(b);
        const times = await timed(() => laptop.delete(`/sessions/${handle}`).expect(200));
        const { code, at } = await closed;
        expect(code).toBe(SESSION_ENDED_CLOSE_CODE);
        expect(record('ws-revoke', at, times)).toBeLessThan(BOUND_MS);
      } finally {
        ws?.terminate();
        server.off('upgrade', upgrade);
        wss.close();
      }
    });

    describe(`with a ${SHORT_IDLE_MS} ms idle timeout`, () => {
      let short: SampleServer;

      beforeAll(async () => {
        short = await startSampleServer(database.db.url, { platform, idleTimeout: SHORT_IDLE_MS });
        await waitUntil(() => connectionsOf(short).listeningToChanges);
      });

      afterAll(async () => {
        await short?.close();
      });

      it('disconnects a socket within 2 s of its session expiring, and not before', async () => {
        const alice = await loggedIn(short);
        const expiresAt = performance.now() + SHORT_IDLE_MS;
        const socket = await socketOf(short, { cookie: alice.cookie });
        const at = await disconnection(socket);
        record('expiry', at, { sent: expiresAt, answered: expiresAt });
        expect(at - expiresAt).toBeGreaterThan(-500);
        expect(at - expiresAt).toBeLessThan(BOUND_MS);
        await alice.get('/profile').expect(401);
      });

      it('keeps a session alive while its socket is active, as requests would', async () => {
        const alice = await loggedIn(short);
        const socket = await socketOf(short, { cookie: alice.cookie });
        const until = Date.now() + 2 * SHORT_IDLE_MS;
        while (Date.now() < until) {
          expect(await whoami(socket)).toEqual({ userId: aliceId });
          await sleep(SHORT_IDLE_MS / 6);
        }
        expect(socket.connected).toBe(true);
        await alice.get('/profile').expect(200);
      });
    });
  });
});

/** Opens GET /events with the cookie; resolves with the first event, and when the response ends. */
function openEvents(url: string, cookie: string): Promise<{ firstEvent: unknown; ended: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${url}/events`, { headers: { cookie, accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`GET /events answered ${response.statusCode}`));
        return;
      }
      const ended = new Promise<number>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`The stream was still open ${GIVE_UP_MS} ms later`)), GIVE_UP_MS);
        response.once('end', () => {
          clearTimeout(timer);
          done(performance.now());
        });
      });
      let buffered = '';
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        const match = /data: (.*)\n/.exec(buffered);
        if (match) {
          response.off('data', onData);
          response.resume();
          resolve({ firstEvent: JSON.parse(match[1]), ended });
        }
      };
      response.on('data', onData);
    });
    request.once('error', reject);
    streams.push(request);
  });
}
