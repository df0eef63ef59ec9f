import { randomBytes } from 'node:crypto';
import { SessionTooLargeError } from '../core/session.errors';
import { MemorySessionStore } from '../store/memory-session.store';
import { hasChanges } from '../store/session-changes.interface';
import { hasExpiry } from '../store/session-expiry.interface';
import { hasStoreCheck } from '../store/session-store-check.interface';
import type { SessionStore } from '../store/session-store.interface';
import { hasUserIndex } from '../store/session-user-index.interface';
import type { StoredSession } from '../store/stored-session.interface';
import { EncryptedSessionStore, encryptSessionStore, type SessionDecryptionListener } from './encrypted-session-store';
import { parseEncryptedValue } from './encrypted-value';
import { SessionCipher } from './session-cipher';

const NOW = 1_700_000_000_000;
const OLD = randomBytes(32);
const NEW = randomBytes(32);

function session(handle: string, data: StoredSession['data']): StoredSession {
  return {
    handle,
    tenant: '',
    data,
    createdAt: NOW,
    lastActiveAt: NOW,
    idIssuedAt: NOW,
    expiresAt: NOW + 60_000,
    absoluteExpiresAt: NOW + 120_000,
    lifetime: null,
    userId: 'u-1',
    ip: null,
    userAgent: null,
  };
}

function setup(keys: Buffer[] = [NEW, OLD], allowPlaintext = false, raw = new MemorySessionStore()) {
  const rejected = jest.fn<ReturnType<SessionDecryptionListener>, Parameters<SessionDecryptionListener>>();
  const store = new EncryptedSessionStore(raw, new SessionCipher(keys), allowPlaintext, rejected);
  return { raw, store, rejected };
}

describe('EncryptedSessionStore', () => {
  it('stores no plaintext value, and reads back the values, key by key through patches', async () => {
    const { raw, store } = setup();
    await store.create('h1', session('s1', { secret: 'needle-123', n: 1, drop: true }), { now: NOW });
    expect(JSON.stringify((await raw.get('h1'))?.data)).not.toContain('needle');
    await store.patch('s1', { set: { n: 2 }, unset: ['drop'] }, { now: NOW });
    const rawData = (await raw.get('h1'))!.data;
    expect(Object.keys(rawData).sort()).toEqual(['n', 'secret']);
    Object.values(rawData).forEach((value) =>
      expect(parseEncryptedValue(value)?.keyId).toBe(SessionCipher.keyIdOf(NEW)),
    );
    const read = await store.get('h1');
    expect(read?.data).toEqual({ secret: 'needle-123', n: 2 });
    expect(read?.staleKeys).toBeUndefined();
  });

  it('treats a session with a tampered value as not found, and reports it', async () => {
    const { raw, store, rejected } = setup();
    await store.create('h1', session('s1', { a: 'x' }), { now: NOW });
    const sealed = (await raw.get('h1'))!.data.a as string;
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
    await raw.patch('s1', { set: { a: flipped }, unset: [] }, { now: NOW });
    await expect(store.get('h1')).resolves.toBeNull();
    expect(rejected).toHaveBeenCalledWith(expect.objectContaining({ handle: 's1', userId: 'u-1' }), 'tampered');
    expect(rejected.mock.calls[0][0]).not.toHaveProperty('data');
  });

  it('treats values swapped between keys or copied from another session as tampered', async () => {
    const { raw, store, rejected } = setup();
    await store.create('h1', session('s1', { role: 'user', name: 'admin' }), { now: NOW });
    await store.create('h2', session('s2', { role: 'admin' }), { now: NOW });
    const one = (await raw.get('h1'))!.data;
    await raw.patch('s1', { set: { role: one.name, name: one.role }, unset: [] }, { now: NOW });
    await expect(store.get('h1')).resolves.toBeNull();
    const two = (await raw.get('h2'))!.data;
    await raw.create('h3', session('s3', { role: two.role }), { now: NOW });
    await expect(store.get('h3')).resolves.toBeNull();
    await expect(store.get('h2')).resolves.toMatchObject({ data: { role: 'admin' } });
    expect(rejected.mock.calls.map(([, reason]) => reason)).toEqual(['tampered', 'tampered']);
  });

  it('refuses plaintext values unless allowPlaintext, which marks them for the next write', async () => {
    const raw = new MemorySessionStore();
    await raw.create('h1', session('s1', { old: 'plain' }), { now: NOW });
    const refusing = setup([NEW], false, raw);
    await expect(refusing.store.get('h1')).resolves.toBeNull();
    expect(refusing.rejected).toHaveBeenCalledWith(expect.anything(), 'plaintext');
    const migrating = setup([NEW], true, raw);
    await expect(migrating.store.get('h1')).resolves.toMatchObject({ data: { old: 'plain' }, staleKeys: ['old'] });
  });

  it('reads values under an older key, marking them stale; without that key the session is not found', async () => {
    const raw = new MemorySessionStore();
    await setup([OLD], false, raw).store.create('h1', session('s1', { a: 1, b: 2 }), { now: NOW });
    const rotated = setup([NEW, OLD], false, raw);
    await rotated.store.patch('s1', { set: { b: 3 }, unset: [] }, { now: NOW });
    await expect(rotated.store.get('h1')).resolves.toMatchObject({ data: { a: 1, b: 3 }, staleKeys: ['a'] });
    const dropped = setup([NEW], false, raw);
    await expect(dropped.store.get('h1')).resolves.toBeNull();
    expect(dropped.rejected).toHaveBeenCalledWith(expect.anything(), 'unknown-key');
  });

  it('never stores staleKeys', async () => {
    const { raw, store } = setup();
    await store.create('h1', { ...session('s1', { a: 1 }), staleKeys: ['a'] }, { now: NOW });
    expect(await raw.get('h1')).not.toHaveProperty('staleKeys');
  });

  it('lets the store bound the ciphertext, so a session within maxBytes in plaintext is never refused', async () => {
    const { store } = setup();
    const data = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const maxBytes = Buffer.byteLength(JSON.stringify(data));
    await expect(store.create('h1', session('s1', data), { now: NOW, maxBytes })).resolves.toBeUndefined();
    await expect(
      store.patch('s1', { set: { k0: 'x'.repeat(10) }, unset: [] }, { now: NOW, maxBytes: maxBytes + 10 }),
    ).resolves.toBe('h1');
    await expect(
      store.patch('s1', { set: { big: 'x'.repeat(50 * maxBytes) }, unset: [] }, { now: NOW, maxBytes }),
    ).rejects.toBeInstanceOf(SessionTooLargeError);
  });

  it("has exactly the store's optional capabilities, and passes them through", async () => {
    const { raw, store } = setup();
    expect([hasUserIndex(store), hasExpiry(store), hasChanges(store), hasStoreCheck(store)]).toEqual([
      hasUserIndex(raw),
      hasExpiry(raw),
      hasChanges(raw),
      hasStoreCheck(raw),
    ]);
    await store.create('h1', session('s1', { a: 1 }), { now: NOW });
    expect(hasUserIndex(store) && (await store.listByUser('u-1', '', NOW))).toEqual([
      expect.objectContaining({ handle: 's1' }),
    ]);
    const minimal: SessionStore = {
      get: raw.get.bind(raw),
      create: raw.create.bind(raw),
      patch: raw.patch.bind(raw),
      destroy: raw.destroy.bind(raw),
    };
    const wrapped = encryptSessionStore(minimal, { keys: [NEW] });
    expect([hasUserIndex(wrapped), hasExpiry(wrapped), hasChanges(wrapped), hasStoreCheck(wrapped)]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    const withHooks = Object.assign(Object.create(minimal) as SessionStore, {
      checkStore: jest.fn(async () => undefined),
      onApplicationShutdown: jest.fn(async () => undefined),
    });
    const hooked = encryptSessionStore(withHooks, { keys: [NEW] }) as SessionStore & {
      onApplicationShutdown(): Promise<void>;
    };
    expect(hasStoreCheck(hooked)).toBe(true);
    await hooked.onApplicationShutdown();
    expect(withHooks.onApplicationShutdown).toHaveBeenCalled();
  });
});
