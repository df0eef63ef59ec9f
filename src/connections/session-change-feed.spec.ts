import { Logger } from '@nestjs/common';
import type { SessionCache } from '../cache/session-cache';
import { SessionConfigurationError } from '../core/session.errors';
import { resolveSessionOptions } from '../module/session-options';
import { MemorySessionStore } from '../store/memory-session.store';
import type { SessionStore } from '../store/session-store.interface';
import { ChangeRecorder } from '../testing/change-recorder';
import { SessionChangeFeed } from './session-change-feed';
import type { SessionConnections } from './session-connections';

const SECRET = 'feed-secret-0123456789-abcdefghijklmnopq';

describe('SessionChangeFeed', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  function feedOf(store: SessionStore, options: object) {
    const cache = new ChangeRecorder();
    const connections = new ChangeRecorder();
    const feed = new SessionChangeFeed(
      resolveSessionOptions({ secret: SECRET, ...options }),
      store,
      cache as unknown as SessionCache,
      connections as unknown as SessionConnections,
    );
    return { feed, cache, connections };
  }

  it('subscribes once, with either option on, and hands every change to the cache and the connections', async () => {
    const store = new MemorySessionStore();
    const subscribe = jest.spyOn(store, 'subscribeToChanges');
    const { feed, cache, connections } = feedOf(store, { liveConnections: true });
    feed.onModuleInit();
    await Promise.resolve();
    feed.changed('h1', null);
    expect(subscribe).toHaveBeenCalledTimes(1);
    for (const listener of [cache, connections]) {
      expect(listener.listenings).toBe(1);
      expect(listener.changes).toEqual([{ handle: 'h1', version: null }]);
    }
    await feed.onApplicationShutdown();
    expect(cache.interruptions).toBe(0);
  });

  it('does not subscribe when neither the cache nor live connections are on', () => {
    const store = new MemorySessionStore();
    const subscribe = jest.spyOn(store, 'subscribeToChanges');
    feedOf(store, {}).feed.onModuleInit();
    expect(subscribe).not.toHaveBeenCalled();
  });

  it('keeps delivering to the others when one listener throws', () => {
    const { feed, connections, cache } = feedOf(new MemorySessionStore(), { cache: { ttl: 1000 } });
    jest.spyOn(cache, 'changed').mockImplementation(() => {
      throw new Error('boom');
    });
    feed.changed('h1', 3);
    expect(connections.changes).toEqual([{ handle: 'h1', version: 3 }]);
  });

  it('stops the app at start-up when the store has no change channel', () => {
    const bare: SessionStore = {
      get: async () => null,
      create: async () => undefined,
      patch: async () => null,
      destroy: async () => undefined,
    };
    expect(() => feedOf(bare, { liveConnections: true }).feed.onModuleInit()).toThrow(SessionConfigurationError);
  });
});
