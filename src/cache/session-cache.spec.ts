import { Logger } from '@nestjs/common';
import { SessionConfigurationError } from '../core/session.errors';
import { resolveSessionOptions } from '../module/session-options';
import { MemorySessionStore } from '../store/memory-session.store';
import type { SessionStore } from '../store/session-store.interface';
import { storedSession } from '../testing';
import { SessionCache } from './session-cache';

const SECRET = 'cache-secret-0123456789-abcdefghijklmnop';
const NOW = Date.now();
const session = storedSession({ handle: 'h1', version: 1, expiresAt: NOW + 60_000 });

function cacheOn(store: SessionStore = new MemorySessionStore()): SessionCache {
  return new SessionCache(resolveSessionOptions({ secret: SECRET, cache: { ttl: 60_000 } }), store);
}

/** Fills the cache as two reads of the session would (it keeps what is read a second time). */
function readTwice(cache: SessionCache): void {
  cache.fill('id1', session, cache.ticket());
  cache.fill('id1', session, cache.ticket());
}

describe('SessionCache', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('stops the app at start-up when the store has no change channel', () => {
    const store: SessionStore = {
      get: async () => null,
      create: async () => undefined,
      patch: async () => null,
      destroy: async () => undefined,
    };
    expect(() => cacheOn(store).onModuleInit()).toThrow(SessionConfigurationError);
    expect(() => cacheOn(store).onModuleInit()).toThrow(/change channel/);
  });

  it('is off, and caches nothing, without the option', () => {
    const cache = new SessionCache(resolveSessionOptions({ secret: SECRET }), new MemorySessionStore());
    cache.onModuleInit();
    cache.listening();
    readTwice(cache);
    expect(cache.enabled).toBe(false);
    expect(cache.lookup('id1', NOW)).toBeUndefined();
  });

  it('caches nothing until its channel listens', () => {
    const cache = cacheOn();
    readTwice(cache);
    expect(cache.lookup('id1', NOW)).toBeUndefined();
    cache.listening();
    readTwice(cache);
    expect(cache.lookup('id1', NOW)?.handle).toBe('h1');
    expect(cache.stats()).toMatchObject({ hits: 1, size: 1, listening: true, interruptions: 0 });
  });

  it('empties itself and is bypassed while its channel is down, and counts the interruption', () => {
    const cache = cacheOn();
    cache.listening();
    readTwice(cache);
    cache.interrupted();
    expect(cache.lookup('id1', NOW)).toBeUndefined();
    readTwice(cache);
    expect(cache.stats()).toMatchObject({ size: 0, listening: false, interruptions: 1 });
  });

  it('does not keep what a read brought back when the channel went down and up while it was on its way', () => {
    const cache = cacheOn();
    cache.listening();
    const first = cache.ticket();
    const second = cache.ticket();
    cache.interrupted();
    cache.listening();
    cache.fill('id1', session, first);
    cache.fill('id1', session, second);
    expect(cache.stats().size).toBe(0);
  });

  it('drops a copy when a newer version is announced, and keeps it for its own older announcement', () => {
    const cache = cacheOn();
    cache.listening();
    cache.written('id1', { ...session, version: 3 }, cache.ticket());
    cache.changed('h1', 3);
    expect(cache.lookup('id1', NOW)?.version).toBe(3);
    cache.changed('h1', 4);
    expect(cache.lookup('id1', NOW)).toBeUndefined();
  });
});
