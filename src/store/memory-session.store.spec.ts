import type { StoredSession } from './stored-session.interface';
import { MemorySessionStore } from './memory-session.store';
import { NOW, record, patchOf } from './memory-session.store.fixture';

/** What `get` returns of a session created from `record(...)` and patched `version` times. */
const kept = (overrides: Partial<StoredSession> = {}, ttl?: number, version = 0): StoredSession => ({
  ...record(overrides, ttl),
  version,
});

describe('MemorySessionStore', () => {
  let store: MemorySessionStore;

  beforeEach(() => {
    store = new MemorySessionStore();
  });

  describe('get and create', () => {
    it('returns what was created', async () => {
      await store.create('h1', record());
      expect(await store.get('h1')).toEqual(kept());
      expect(store.size).toBe(1);
    });

    it('returns null for an unknown hash', async () => {
      expect(await store.get('missing')).toBeNull();
    });

    it('returns a session whose expiry has passed as it is: the caller checks expiresAt', async () => {
      const expired = record({ expiresAt: Date.now() - 1 });
      await store.create('h1', expired);
      expect(await store.get('h1')).toEqual({ ...expired, version: 0 });
    });

    it('stores a copy: changing the object given to create changes nothing', async () => {
      const given = record();
      await store.create('h1', given);
      given.data.count = 99;
      (given.data.nested as { list: number[] }).list.push(3);
      given.expiresAt = 0;
      expect(await store.get('h1')).toEqual(kept());
    });

    it('returns copies: changing a returned session changes nothing', async () => {
      await store.create('h1', record());
      const first = (await store.get('h1')) as StoredSession;
      first.data.count = 99;
      (first.data.nested as { list: number[] }).list.push(3);
      first.userId = 'mallory';
      expect(await store.get('h1')).toEqual(kept());
    });

    it('replaces a session created again under the same hash', async () => {
      await store.create('h1', record());
      await store.create('h1', record({ data: { other: true } }));
      expect((await store.get('h1'))?.data).toEqual({ other: true });
      expect(store.size).toBe(1);
    });
  });

  describe('patch', () => {
    const HANDLE = record().handle;
    const at = (now: number) => ({ now });

    it('writes the keys of set and removes the keys of unset, leaving the others', async () => {
      await store.create('h1', record({ data: { a: 1, b: 2, c: 3 } }));
      const found = await store.patch(HANDLE, patchOf({ set: { b: 20, d: { x: 1 } }, unset: ['c'] }), at(NOW));
      expect(found).toBe('h1');
      expect((await store.get('h1'))?.data).toEqual({ a: 1, b: 20, d: { x: 1 } });
    });

    it('lets set win over unset for the same key', async () => {
      await store.create('h1', record({ data: { a: 1 } }));
      await store.patch(HANDLE, patchOf({ set: { a: 2 }, unset: ['a'] }), at(NOW));
      expect((await store.get('h1'))?.data).toEqual({ a: 2 });
    });

    it('updates the given fields and leaves the others', async () => {
      await store.create('h1', record());
      const fields = { lastActiveAt: NOW + 10, expiresAt: NOW + 5000, absoluteExpiresAt: NOW + 9000, lifetime: 4000 };
      await store.patch(HANDLE, patchOf({ ...fields, userId: 'u1' }), at(NOW));
      expect(await store.get('h1')).toEqual(kept({ ...fields, userId: 'u1' }, undefined, 1));
    });

    it('can set lifetime and userId back to null', async () => {
      await store.create('h1', record({ lifetime: 5000, userId: 'u1' }));
      await store.patch(HANDLE, patchOf({ lifetime: null, userId: null }), at(NOW));
      const stored = await store.get('h1');
      expect(stored?.lifetime).toBeNull();
      expect(stored?.userId).toBeNull();
    });

    it('moves the session to newIdHash: the old hash stops working, the handle still finds it', async () => {
      await store.create('old', record());
      expect(await store.patch(HANDLE, patchOf({ newIdHash: 'new', set: { moved: true } }), at(NOW))).toBe('new');
      expect(await store.get('old')).toBeNull();
      expect((await store.get('new'))?.data).toEqual({ ...record().data, moved: true });
      expect(store.size).toBe(1);
      expect(await store.patch(HANDLE, patchOf({ set: { again: true } }), at(NOW))).toBe('new');
    });

    it('returns null for a missing session and creates nothing', async () => {
      expect(await store.patch('missing', patchOf({ set: { a: 1 } }), at(NOW))).toBeNull();
      expect(store.size).toBe(0);
    });

    it('returns null for an expired session and does not revive it', async () => {
      await store.create('h1', record({}, 1000));
      const patch = patchOf({ set: { a: 1 }, expiresAt: NOW + 100_000 });
      expect(await store.patch(HANDLE, patch, at(NOW + 1000))).toBeNull();
      expect(await store.get('h1')).toEqual(kept({}, 1000));
    });

    it('copies the values of set: changing them afterwards changes nothing', async () => {
      await store.create('h1', record({ data: {} }));
      const value = { list: [1] };
      await store.patch(HANDLE, patchOf({ set: { value } }), at(NOW));
      value.list.push(2);
      expect((await store.get('h1'))?.data).toEqual({ value: { list: [1] } });
    });
  });

  describe('destroy', () => {
    it('removes the session', async () => {
      await store.create('h1', record());
      await store.create('h2', record({ handle: 'handle-of-the-session2' }));
      await store.destroy(record().handle);
      expect(await store.get('h1')).toBeNull();
      expect(await store.get('h2')).not.toBeNull();
      expect(store.size).toBe(1);
    });

    it('accepts a missing session', async () => {
      await expect(store.destroy('missing')).resolves.toBeUndefined();
    });
  });
});
