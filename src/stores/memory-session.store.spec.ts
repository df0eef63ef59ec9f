import type { SessionPatch, StoredSession } from '../session-store.interface';
import { MemorySessionStore } from './memory-session.store';

const NOW = 1_700_000_000_000;

/** A stored session created at NOW that expires `ttl` ms later. */
function record(overrides: Partial<StoredSession> = {}, ttl = 1000): StoredSession {
  return {
    data: { count: 1, nested: { list: [1, 2] } },
    createdAt: NOW,
    lastActiveAt: NOW,
    expiresAt: NOW + ttl,
    absoluteExpiresAt: NOW + 10 * ttl,
    lifetime: null,
    userId: null,
    ip: '127.0.0.1',
    userAgent: 'jest',
    ...overrides,
  };
}

function patchOf(overrides: Partial<SessionPatch> = {}): SessionPatch {
  return { set: {}, unset: [], ...overrides };
}

describe('MemorySessionStore', () => {
  let store: MemorySessionStore;

  beforeEach(() => {
    store = new MemorySessionStore();
  });

  describe('get and create', () => {
    it('returns what was created', async () => {
      await store.create('h1', record());
      expect(await store.get('h1', NOW)).toEqual(record());
      expect(store.size).toBe(1);
    });

    it('returns null for an unknown hash', async () => {
      expect(await store.get('missing', NOW)).toBeNull();
    });

    it('returns null once the session expired, the expiry instant included', async () => {
      await store.create('h1', record({}, 1000));
      expect(await store.get('h1', NOW + 999)).not.toBeNull();
      expect(await store.get('h1', NOW + 1000)).toBeNull();
      expect(await store.get('h1', NOW + 5000)).toBeNull();
    });

    it('stores a copy: changing the object given to create changes nothing', async () => {
      const given = record();
      await store.create('h1', given);
      given.data.count = 99;
      (given.data.nested as { list: number[] }).list.push(3);
      given.expiresAt = 0;
      expect(await store.get('h1', NOW)).toEqual(record());
    });

    it('returns copies: changing a returned session changes nothing', async () => {
      await store.create('h1', record());
      const first = (await store.get('h1', NOW)) as StoredSession;
      first.data.count = 99;
      (first.data.nested as { list: number[] }).list.push(3);
      first.userId = 'mallory';
      expect(await store.get('h1', NOW)).toEqual(record());
    });

    it('replaces a session created again under the same hash', async () => {
      await store.create('h1', record());
      await store.create('h1', record({ data: { other: true } }));
      expect((await store.get('h1', NOW))?.data).toEqual({ other: true });
      expect(store.size).toBe(1);
    });
  });

  describe('patch', () => {
    it('writes the keys of set and removes the keys of unset, leaving the others', async () => {
      await store.create('h1', record({ data: { a: 1, b: 2, c: 3 } }));
      const found = await store.patch('h1', patchOf({ set: { b: 20, d: { x: 1 } }, unset: ['c'] }), NOW);
      expect(found).toBe(true);
      expect((await store.get('h1', NOW))?.data).toEqual({ a: 1, b: 20, d: { x: 1 } });
    });

    it('lets set win over unset for the same key', async () => {
      await store.create('h1', record({ data: { a: 1 } }));
      await store.patch('h1', patchOf({ set: { a: 2 }, unset: ['a'] }), NOW);
      expect((await store.get('h1', NOW))?.data).toEqual({ a: 2 });
    });

    it('updates the given fields and leaves the others', async () => {
      await store.create('h1', record());
      await store.patch(
        'h1',
        patchOf({
          lastActiveAt: NOW + 10,
          expiresAt: NOW + 5000,
          absoluteExpiresAt: NOW + 9000,
          lifetime: 4000,
          userId: 'u1',
        }),
        NOW,
      );
      expect(await store.get('h1', NOW)).toEqual(
        record({
          lastActiveAt: NOW + 10,
          expiresAt: NOW + 5000,
          absoluteExpiresAt: NOW + 9000,
          lifetime: 4000,
          userId: 'u1',
        }),
      );
    });

    it('can set lifetime and userId back to null', async () => {
      await store.create('h1', record({ lifetime: 5000, userId: 'u1' }));
      await store.patch('h1', patchOf({ lifetime: null, userId: null }), NOW);
      const stored = await store.get('h1', NOW);
      expect(stored?.lifetime).toBeNull();
      expect(stored?.userId).toBeNull();
    });

    it('moves the session to newIdHash: the old hash stops working', async () => {
      await store.create('old', record());
      expect(await store.patch('old', patchOf({ newIdHash: 'new', set: { moved: true } }), NOW)).toBe(true);
      expect(await store.get('old', NOW)).toBeNull();
      expect((await store.get('new', NOW))?.data).toEqual({ ...record().data, moved: true });
      expect(store.size).toBe(1);
      expect(await store.patch('old', patchOf({ set: { again: true } }), NOW)).toBe(false);
    });

    it('returns false for a missing session and creates nothing', async () => {
      expect(await store.patch('missing', patchOf({ set: { a: 1 } }), NOW)).toBe(false);
      expect(store.size).toBe(0);
    });

    it('returns false for an expired session and does not revive it', async () => {
      await store.create('h1', record({}, 1000));
      expect(await store.patch('h1', patchOf({ set: { a: 1 }, expiresAt: NOW + 100_000 }), NOW + 1000)).toBe(false);
      expect(await store.get('h1', NOW + 1000)).toBeNull();
      expect((await store.get('h1', NOW))?.data).toEqual(record().data);
    });

    it('copies the values of set: changing them afterwards changes nothing', async () => {
      await store.create('h1', record({ data: {} }));
      const value = { list: [1] };
      await store.patch('h1', patchOf({ set: { value } }), NOW);
      value.list.push(2);
      expect((await store.get('h1', NOW))?.data).toEqual({ value: { list: [1] } });
    });
  });

  describe('destroy', () => {
    it('removes the session', async () => {
      await store.create('h1', record());
      await store.create('h2', record());
      await store.destroy('h1');
      expect(await store.get('h1', NOW)).toBeNull();
      expect(await store.get('h2', NOW)).not.toBeNull();
      expect(store.size).toBe(1);
    });

    it('accepts a missing session', async () => {
      await expect(store.destroy('missing')).resolves.toBeUndefined();
    });
  });

  describe('deleteExpired', () => {
    it('deletes only the sessions expired at now and returns how many', async () => {
      await store.create('soon', record({}, 100));
      await store.create('exact', record({}, 500));
      await store.create('later', record({}, 1000));
      expect(await store.deleteExpired(NOW + 500, 100)).toBe(2);
      expect(store.size).toBe(1);
      expect(await store.get('later', NOW)).not.toBeNull();
    });

    it('deletes at most limit sessions per call', async () => {
      for (let i = 0; i < 5; i++) {
        await store.create(`h${i}`, record({}, 100));
      }
      await store.create('alive', record({}, 10_000));
      expect(await store.deleteExpired(NOW + 200, 2)).toBe(2);
      expect(store.size).toBe(4);
      expect(await store.deleteExpired(NOW + 200, 2)).toBe(2);
      expect(await store.deleteExpired(NOW + 200, 2)).toBe(1);
      expect(await store.deleteExpired(NOW + 200, 2)).toBe(0);
      expect(store.size).toBe(1);
    });

    it('returns 0 when nothing expired', async () => {
      await store.create('h1', record());
      expect(await store.deleteExpired(NOW, 10)).toBe(0);
      expect(store.size).toBe(1);
    });
  });

  describe('maxSessions', () => {
    it('drops the least recently written session past the bound', async () => {
      store = new MemorySessionStore({ maxSessions: 2 });
      await store.create('first', record());
      await store.create('second', record());
      await store.create('third', record());
      expect(store.size).toBe(2);
      expect(await store.get('first', NOW)).toBeNull();
      expect(await store.get('second', NOW)).not.toBeNull();
      expect(await store.get('third', NOW)).not.toBeNull();
    });

    it('counts a patch as a write, so an active session is kept', async () => {
      store = new MemorySessionStore({ maxSessions: 2 });
      await store.create('first', record());
      await store.create('second', record());
      await store.patch('first', patchOf({ set: { touched: true } }), NOW);
      await store.create('third', record());
      expect(await store.get('first', NOW)).not.toBeNull();
      expect(await store.get('second', NOW)).toBeNull();
    });

    it('defaults to 10 000 sessions', async () => {
      for (let i = 0; i <= 10_000; i++) {
        await store.create(`h${i}`, record({ data: {} }));
      }
      expect(store.size).toBe(10_000);
      expect(await store.get('h0', NOW)).toBeNull();
      expect(await store.get('h10000', NOW)).not.toBeNull();
    });
  });
});
