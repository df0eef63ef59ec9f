import { Redis } from 'ioredis';
import type { SessionChangeSubscription } from '../src';
import { RedisSessionStore } from '../src/redis';
import { subscriberName } from '../src/redis/redis-subscriber-connector';
import { randomIdHash, storedSession } from '../src/testing';
import { ChangeRecorder } from '../src/testing/change-recorder';
import { patchOf } from '../src/testing/fixtures';
import { deleteKeysUnder, uniqueRedisPrefix } from './utils/redis-keyspace';
import { waitUntil } from './utils/wait-until';

const URL = 'redis://127.0.0.1:6379';

/** The Redis store's change channel on the shared Redis, as documented in docs/stores.md. */
describe('RedisSessionStore change channel', () => {
  let prefix: string;
  let admin: Redis;
  const stores: RedisSessionStore[] = [];
  const subscriptions: SessionChangeSubscription[] = [];

  const storeOn = (options: ConstructorParameters<typeof RedisSessionStore>[0] = { url: URL, prefix }) => {
    const store = new RedisSessionStore(options);
    stores.push(store);
    return store;
  };
  const listen = async (store: RedisSessionStore) => {
    const recorder = new ChangeRecorder();
    subscriptions.push(store.subscribeToChanges(recorder));
    await recorder.until('listening', () => recorder.listenings > 0);
    return recorder;
  };
  const created = async (store: RedisSessionStore) => {
    const session = storedSession({ expiresAt: Date.now() + 60_000 });
    const idHash = randomIdHash();
    await store.create(idHash, session, { now: Date.now() });
    return { idHash, handle: session.handle };
  };
  /** The store's subscriber connections, found by the name they carry. */
  const subscribers = async (channel: string) =>
    String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
      .split('\n')
      .filter((line) => line.includes(` name=${subscriberName(channel)} `));

  beforeAll(() => {
    admin = new Redis(URL);
  });

  beforeEach(() => {
    prefix = uniqueRedisPrefix('changes');
  });

  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await deleteKeysUnder(admin, prefix);
  });

  afterAll(async () => {
    await admin.quit();
  });

  it('publishes on <prefix>changes: "<handle> <version>" after a patch, "<handle>" once the session is gone', async () => {
    const reader = admin.duplicate();
    const messages: string[] = [];
    reader.on('message', (_channel: string, message: string) => messages.push(message));
    await reader.subscribe(`${prefix}changes`);
    try {
      const store = storeOn();
      await listen(store);
      const { handle } = await created(store);
      await store.patch(handle, patchOf({ set: { a: 1 } }), { now: Date.now() });
      await store.destroy(handle);
      await waitUntil(() => messages.length >= 2, 10_000, 10);
      expect(messages).toEqual([`${handle} 1`, handle]);
    } finally {
      reader.disconnect();
    }
  });

  it('publishes nothing from an instance that never subscribed (an app without the cache)', async () => {
    const silent = storeOn();
    const listening = storeOn();
    const recorder = await listen(listening);
    const quiet = await created(silent);
    const heard = await created(listening);
    await silent.patch(quiet.handle, patchOf({ set: { a: 1 } }), { now: Date.now() });
    await silent.destroy(quiet.handle);
    await listening.patch(heard.handle, patchOf({ set: { a: 1 } }), { now: Date.now() });
    // Each instance publishes on one connection, in order: anything the first had sent came before.
    await recorder.until('the listening instance’s patch', () => recorder.versionsOf(heard.handle).length > 0);
    expect(recorder.changes).toEqual([{ handle: heard.handle, version: 1 }]);
  });

  it('keeps the version in the hash (`v`), absent until the first patch: a session of an older release is at 0', async () => {
    const store = storeOn();
    const { idHash, handle } = await created(store);
    expect(await admin.hexists(`${prefix}{${handle}}`, 'v')).toBe(0);
    await expect(store.get(idHash)).resolves.toMatchObject({ version: 0 });
    await store.patch(handle, patchOf({ ifVersion: 0, set: { a: 1 } }), { now: Date.now() });
    expect(await admin.hget(`${prefix}{${handle}}`, 'v')).toBe('1');
  });

  it('listens on a connection of its own, named after the channel, which close() ends', async () => {
    const store = storeOn();
    await listen(store);
    await listen(store);
    expect(await subscribers(`${prefix}changes`)).toHaveLength(2);
    await store.close();
    // The server drops a connection the client closed in its own time.
    await waitUntil(async () => (await subscribers(`${prefix}changes`)).length === 0, 10_000);
  });

  it("works on the app's own client, whose keyPrefix does not touch the channel, and leaves that client open", async () => {
    const client = new Redis(URL, { keyPrefix: `${prefix}app:` });
    try {
      const store = storeOn({ client, prefix });
      const other = storeOn({ url: URL, prefix });
      const recorder = await listen(other);
      await listen(store);
      const { handle } = await created(store);
      await store.patch(handle, patchOf({ set: { a: 1 } }), { now: Date.now() });
      await recorder.until('the patch', () => recorder.versionsOf(handle).length > 0);
      expect(recorder.versionsOf(handle)).toEqual([1]);
      await store.close();
      await expect(client.ping()).resolves.toBe('PONG');
    } finally {
      client.disconnect();
    }
  });
});
