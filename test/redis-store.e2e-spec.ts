import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SessionStoreUnavailableError, SessionTooLargeError, type SessionStore, type StoredSession } from '../src';
import { RedisSessionStore } from '../src/redis';
import { describeSessionStore, randomIdHash, storedSession, summaryOf } from '../src/testing';
import { patchOf } from '../src/testing/fixtures';
import { waitUntil } from './utils/wait-until';

const base = `sess:test-redis-store-${randomBytes(4).toString('hex')}:`;
let admin: Redis;
const stores: RedisSessionStore[] = [];

beforeAll(() => {
  admin = new Redis('redis://127.0.0.1:6379');
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  const keys = await admin.keys(`${base}*`);
  if (keys.length > 0) {
    await admin.del(...keys);
  }
  await admin.quit();
});

let count = 0;
const prefixes = new Map<SessionStore, string>();
/** A store on the shared Redis under `prefix`, closed after the file. */
const storeOn = (prefix: string): RedisSessionStore => {
  const store = new RedisSessionStore({ url: 'redis://127.0.0.1:6379', prefix });
  stores.push(store);
  prefixes.set(store, prefix);
  return store;
};
describeSessionStore('RedisSessionStore (standalone)', () => storeOn(`${base}${count++}:`), {
  expiry: false,
  sameBackEnd: (store) => storeOn(prefixes.get(store) as string),
});

describe('RedisSessionStore on Redis', () => {
  let prefix: string;
  let store: RedisSessionStore;
  const keys = () => admin.keys(`${prefix}*`);
  const userKey = (userId: string) => `${prefix}user:{${createHash('sha256').update(userId).digest('base64url')}}`;
  const login = async (userId: string, overrides: Partial<StoredSession> = {}, deadline = Date.now() + 1000) => {
    const session = storedSession({ userId, ...overrides });
    const idHash = randomIdHash();
    await store.create(idHash, session, { now: Date.now(), deadline });
    return { idHash, session };
  };

  beforeEach(() => {
    prefix = `${base}${count++}:`;
    store = new RedisSessionStore({ url: 'redis://127.0.0.1:6379', prefix });
    stores.push(store);
  });

  it('lays a session out as documented: a hash tagged with its handle, an ID pointer, the user index; every key under the prefix', async () => {
    const { idHash, session } = await login('alice@example.com', { data: { cart: ['socks'] } });
    const index = userKey('alice@example.com');
    expect((await keys()).sort()).toEqual([`${prefix}id:${idHash}`, index, `${prefix}{${session.handle}}`].sort());
    expect(await admin.get(`${prefix}id:${idHash}`)).toBe(session.handle);
    expect(await admin.hget(`${prefix}{${session.handle}}`, '"cart"')).toBe('["socks"]');
    // Redis deletes each at the documented time: the session a minute after it expires, the rest a
    // minute after its absolute expiry.
    expect(await expireTimeOf(`${prefix}{${session.handle}}`)).toBe(session.expiresAt + 60_000);
    expect(await expireTimeOf(`${prefix}id:${idHash}`)).toBe(session.absoluteExpiresAt + 60_000);
    expect(await expireTimeOf(index)).toBe(session.absoluteExpiresAt + 60_000);
  });

  it('lets Redis delete an expired session keepExpiredFor after it expires: no cleanup job', async () => {
    const idHash = randomIdHash();
    const expiresAt = Date.now() + 150;
    store = new RedisSessionStore({ url: 'redis://127.0.0.1:6379', prefix, keepExpiredFor: 300 });
    stores.push(store);
    await store.create(idHash, storedSession({ expiresAt, createdAt: Date.now() }), { now: Date.now() });
    await waitUntil(async () => Date.now() > expiresAt + 50);
    // Expired, and still there for a while: the module reports it as expired.
    await expect(store.get(idHash)).resolves.toMatchObject({ expiresAt });
    await waitUntil(async () => (await store.get(idHash)) === null);
    expect((await keys()).filter((key) => !key.includes(':id:'))).toEqual([]);
  });

  it('measures the data as JSON.stringify does: exactly maxBytes fits, one byte more is refused', async () => {
    const { idHash, session } = await login('bob');
    const data = { note: 'é'.repeat(10), n: 1 };
    const maxBytes = Buffer.byteLength(JSON.stringify(data));
    const at = { now: Date.now(), maxBytes };
    await expect(store.patch(session.handle, patchOf({ set: data }), at)).resolves.toBe(idHash);
    await expect(store.patch(session.handle, patchOf({ set: { n: 10 } }), at)).rejects.toBeInstanceOf(
      SessionTooLargeError,
    );
    await expect(store.patch(session.handle, patchOf({ set: { n: 2 }, unset: ['missing'] }), at)).resolves.toBe(idHash);
  });

  it('keeps a renewed ID finding the session for keepPreviousFor, and lets its pointer expire then', async () => {
    const { idHash, session } = await login('carol');
    const renewed = randomIdHash();
    const now = Date.now();
    const renewal = patchOf({ newIdHash: renewed, ifIdHash: idHash, idIssuedAt: now, keepPreviousFor: 10_000 });
    await expect(store.patch(session.handle, renewal, { now })).resolves.toBe(renewed);
    await expect(store.get(idHash)).resolves.toMatchObject({ handle: session.handle });
    expect(await expireTimeOf(`${prefix}id:${idHash}`)).toBe(now + 10_000);
    await expect(store.patch(session.handle, patchOf({ newIdHash: randomIdHash() }), { now })).resolves.not.toBe(
      renewed,
    );
    await expect(store.get(idHash)).resolves.toBeNull();
    await expect(store.get(renewed)).resolves.toBeNull();
    expect(await admin.exists(`${prefix}id:${idHash}`, `${prefix}id:${renewed}`)).toBe(0);
  });

  it('prunes the index entry a logout left once the login that wrote it is over', async () => {
    const deadline = Date.now() + 100;
    const { session } = await login('dave', {}, deadline);
    await store.patch(session.handle, patchOf({ userId: null }), { now: Date.now() });
    expect(await admin.zcard(userKey('dave'))).toBe(1);
    // Until the deadline, the login that added the entry might still be writing its session.
    await expect(store.listByUser('dave', '', Date.now())).resolves.toEqual([]);
    await waitUntil(async () => Date.now() > deadline);
    await expect(store.listByUser('dave', '', Date.now())).resolves.toEqual([]);
    expect(await admin.zcard(userKey('dave'))).toBe(0);
  });

  it('takes any user ID: braces, colons, unicode, a long one', async () => {
    for (const userId of ['{x}', 'a:b}{', 'ユーザー', 'u'.repeat(2000)]) {
      const { session } = await login(userId);
      await expect(store.listByUser(userId, '', Date.now())).resolves.toEqual([summaryOf(session)]);
    }
  });

  it('with waitForReplicas, answers a write no replica acknowledged as unavailable', async () => {
    const strict = new RedisSessionStore({
      url: 'redis://127.0.0.1:6379',
      prefix,
      waitForReplicas: 1,
      replicaTimeout: 50,
    });
    stores.push(strict);
    await expect(strict.create(randomIdHash(), storedSession(), { now: Date.now() })).rejects.toBeInstanceOf(
      SessionStoreUnavailableError,
    );
  });

  it("leaves the app's own client open on close()", async () => {
    const client = new Redis('redis://127.0.0.1:6379');
    const borrowed = new RedisSessionStore({ client, prefix });
    await borrowed.close();
    await expect(client.ping()).resolves.toBe('PONG');
    await client.quit();
  });
});

/** When Redis deletes the key (`PEXPIRETIME`, sent as a raw command: ioredis 5.4 has no method for it). */
const expireTimeOf = async (key: string) => Number(await admin.call('PEXPIRETIME', key));

describe('RedisSessionStore on a client with a keyPrefix of its own', () => {
  it('finds its sessions under the client’s prefix then its own', async () => {
    const client = new Redis('redis://127.0.0.1:6379', { keyPrefix: `${base}app:` });
    const store = new RedisSessionStore({ client, prefix: 'sess:' });
    try {
      const idHash = randomIdHash();
      const session = storedSession({ data: { cart: ['tea'] } });
      await store.create(idHash, session, { now: Date.now() });
      await expect(store.get(idHash)).resolves.toMatchObject({ handle: session.handle, data: { cart: ['tea'] } });
      expect(await admin.exists(`${base}app:sess:{${session.handle}}`)).toBe(1);
    } finally {
      client.disconnect();
    }
  });
});
