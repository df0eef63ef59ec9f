import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import type { Session } from '../core/session.interface';
import { SessionConfigurationError } from '../core/session.errors';
import type { SessionLoader } from '../lifecycle/session-loader';
import { resolveSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import { MemorySessionStore } from '../store/memory-session.store';
import type { SessionStore } from '../store/session-store.interface';
import { SessionStoreHealth } from '../store/session-store-health';
import { storedSession } from '../testing';
import { SESSION_ENDED_CLOSE_CODE } from './live-connection';
import { SessionConnections } from './session-connections';

const SECRET = 'connections-secret-0123456789-abcdefghij';
const MINUTE = 60_000;

/** A socket.io socket as the tracker sees it. */
class FakeSocketIo extends EventEmitter {
  handshake = { headers: { cookie: 'sid=whatever' }, address: '127.0.0.1' };
  disconnected = false;
  disconnect = jest.fn(() => {
    this.disconnected = true;
    this.emit('disconnect');
  });
}

/** A `ws` WebSocket as the tracker sees it. */
class FakeWs extends EventEmitter {
  readyState = 1;
  close = jest.fn(() => {
    this.readyState = 3;
    this.emit('close');
  });
}

describe('SessionConnections', () => {
  let store: MemorySessionStore;
  let connections: SessionConnections;
  /** The session the stub loader hands out for the next handshake. */
  let loaded: Partial<Session>;

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  function start(storeUnderTest: SessionStore = store, liveConnections = true): SessionConnections {
    const options = resolveSessionOptions({ secret: SECRET, liveConnections, storeTimeout: 200 });
    const loader = { load: jest.fn(async () => loaded) } as unknown as SessionLoader;
    const bounded = new BoundedStore(options, storeUnderTest, new SessionStoreHealth());
    const started = new SessionConnections(options, storeUnderTest, bounded, loader);
    started.onModuleInit();
    return started;
  }

  /** Stores a session of `userId` and makes it the one the next handshake loads. */
  async function sessionOf(userId: string, expiresIn = MINUTE): Promise<string> {
    const session = storedSession({ userId, expiresAt: Date.now() + expiresIn, version: 0 });
    await store.create(`hash-${session.handle}`, session, { now: Date.now() });
    loaded = {
      isNew: false,
      handle: session.handle,
      tenant: '',
      user: { id: userId, roles: [] },
      expiresAt: new Date(session.expiresAt),
    };
    return session.handle;
  }

  beforeEach(() => {
    store = new MemorySessionStore();
    connections = start();
    connections.listening();
  });

  afterEach(() => connections.onApplicationShutdown());

  it('disconnects a socket.io socket when its session is announced gone, and forgets it', async () => {
    const handle = await sessionOf('alice');
    const socket = new FakeSocketIo();
    expect(await connections.attach(socket)).toBe(loaded);
    expect(connections.size).toBe(1);
    connections.changed(handle, null);
    expect(socket.disconnect).toHaveBeenCalledWith(true);
    expect(connections.size).toBe(0);
  });

  it('closes a ws WebSocket with 4401', async () => {
    const handle = await sessionOf('alice');
    const ws = new FakeWs();
    await connections.attach(ws, { headers: {} });
    connections.changed(handle, null);
    expect(ws.close).toHaveBeenCalledWith(SESSION_ENDED_CLOSE_CODE, 'session ended');
  });

  it('tracks nothing for an anonymous handshake, and stops tracking a socket that disconnected', async () => {
    loaded = { isNew: true, user: null };
    expect(await connections.attach(new FakeSocketIo())).toBeNull();
    const handle = await sessionOf('alice');
    const socket = new FakeSocketIo();
    await connections.attach(socket);
    socket.emit('disconnect');
    expect(connections.size).toBe(0);
    connections.changed(handle, null);
    expect(socket.disconnect).not.toHaveBeenCalled();
  });

  it('on a new version, keeps a socket whose session still belongs to its user, and closes one logged out of', async () => {
    const handle = await sessionOf('alice');
    const socket = new FakeSocketIo();
    await connections.attach(socket);
    // A write, a renewal, a regeneration by a password change: the handle stays the user's.
    await store.patch(handle, { set: {}, unset: [], newIdHash: 'regenerated' }, { now: Date.now() });
    connections.changed(handle, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(socket.disconnect).not.toHaveBeenCalled();
    await store.patch(handle, { set: {}, unset: [], userId: null }, { now: Date.now() });
    connections.changed(handle, 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(socket.disconnect).toHaveBeenCalled();
  });

  it('checks a session again when it expires, and closes it then unless it was extended', async () => {
    const extended = await sessionOf('alice', 50);
    const kept = new FakeSocketIo();
    await connections.attach(kept);
    await store.patch(extended, { set: {}, unset: [], expiresAt: Date.now() + MINUTE }, { now: Date.now() });
    await sessionOf('bob', 50);
    const expired = new FakeSocketIo();
    await connections.attach(expired);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(expired.disconnect).toHaveBeenCalled();
    expect(kept.disconnect).not.toHaveBeenCalled();
  });

  it('while the channel is down, finds a revoked session in the store within about a second', async () => {
    const handle = await sessionOf('alice');
    const socket = new FakeSocketIo();
    await connections.attach(socket);
    connections.interrupted();
    await store.destroy(handle);
    // The announcement is lost: only the poll can find it.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(socket.disconnect).toHaveBeenCalled();
  });

  it('checks every tracked session when the channel listens again', async () => {
    const handle = await sessionOf('alice');
    const socket = new FakeSocketIo();
    await connections.attach(socket);
    connections.interrupted();
    await store.destroy(handle);
    connections.listening();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(socket.disconnect).toHaveBeenCalled();
  });

  it('closes a connection whose session the store cannot confirm (fail closed)', async () => {
    const handle = await sessionOf('alice');
    const socket = new FakeSocketIo();
    await connections.attach(socket);
    jest.spyOn(store, 'listByUser').mockRejectedValueOnce(new Error('down'));
    connections.changed(handle, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(socket.disconnect).toHaveBeenCalled();
  });

  it('ends an endOf() stream when its session ends, and never for an anonymous one', async () => {
    const handle = await sessionOf('alice');
    const ended = firstValueFrom(connections.endOf(loaded as Session));
    connections.changed(handle, null);
    await expect(ended).resolves.toBeUndefined();
    let anonymousEnded = false;
    connections.endOf({ isNew: true, user: null } as unknown as Session).subscribe(() => (anonymousEnded = true));
    expect(connections.size).toBe(0);
    expect(anonymousEnded).toBe(false);
  });

  it('refuses to start on a store without a change channel or user index, and to attach with the option off', async () => {
    const bare: SessionStore = {
      get: async () => null,
      create: async () => undefined,
      patch: async () => null,
      destroy: async () => undefined,
    };
    expect(() => start(bare)).toThrow(SessionConfigurationError);
    const off = start(store, false);
    await expect(off.attach(new FakeSocketIo())).rejects.toThrow(/liveConnections/);
    // With the cache alone on, the feed still delivers here: nothing may pile up.
    off.changed('h1', null);
    expect((off as unknown as { announced: Map<string, number> }).announced.size).toBe(0);
  });
});
