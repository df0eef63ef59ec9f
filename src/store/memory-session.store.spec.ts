import type { SessionPatch, StoredSession } from './stored-session.interface';
import { MemorySessionStore } from './memory-session.store';

const NOW = 1_700_000_000_000;

/** A stored session created at NOW that expires `ttl` ms later. */
function record(overrides: Partial<StoredSession> = {}, ttl = 1000): StoredSession {
  return {
    handle: 'handle-of-the-session1',
    tenant: '',
    data: { count: 1, nested: { list: [1, 2] } },
    createdAt: NOW,
    lastActiveAt: NOW,
    idIssuedAt: NOW,
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
      expect(await store.get('h1')).toEqual(record());
      expect(store.size).toBe(1);
    });

    it('returns null for an unknown hash', async () => {
      expect(await store.get('missing')).toBeNull();
    });

    it('returns a session whose expiry has passed as it is: the caller checks expiresAt', async () => {
      const expired = record({ expiresAt: Date.now() - 1 });
      await store.create('h1', expired);
      expect(await store.get('h1')).toEqual(expired);
    });

    it('stores a copy: changing the object given to create changes nothing', async () => {
      const given = record();
      await store.create('h1', given);
      given.data.count = 99;
      (given.data.nested as { list: number[] }).list.push(3);
      given.expiresAt = 0;
      expect(await store.get('h1')).toEqual(record());
    });

    it('returns copies: changing a returned session changes nothing', async () => {
      await store.create('h1', record());
      const first = (await store.get('h1')) as StoredSession;
      first.data.count = 99;
      (first.data.nested as { list: number[] }).list.push(3);
      first.userId = 'mallory';
      expect(await store.get('h1')).toEqual(record());
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
      expect(await store.get('h1')).toEqual(record({ ...fields, userId: 'u1' }));
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
      expect(await store.get('h1')).toEqual(record({}, 1000));
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

  describe('deleteExpired', () => {
    it('deletes only the sessions expired at now and returns how many', async () => {
      await store.create('soon', record({}, 100));
      await store.create('exact', record({}, 500));
      await store.create('later', record({}, 1000));
      expect(await store.deleteExpired(NOW + 500, 100)).toBe(2);
      expect(store.size).toBe(1);
      expect(await store.get('soon')).toBeNull();
      expect(await store.get('exact')).toBeNull();
      expect(await store.get('later')).not.toBeNull();
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
      expect(await store.get('first')).toBeNull();
      expect(await store.get('second')).not.toBeNull();
      expect(await store.get('third')).not.toBeNull();
    });

    it('counts a patch as a write, so an active session is kept', async () => {
      store = new MemorySessionStore({ maxSessions: 2 });
      await store.create('first', record({ handle: 'first-handle' }));
      await store.create('second', record({ handle: 'second-handle' }));
      await store.patch('first-handle', patchOf({ set: { touched: true } }), { now: NOW });
      await store.create('third', record());
      expect(await store.get('first')).not.toBeNull();
      expect(await store.get('second')).toBeNull();
    });

    it('defaults to 10 000 sessions', async () => {
      for (let i = 0; i <= 10_000; i++) {
        await store.create(`h${i}`, record({ data: {} }));
      }
      expect(store.size).toBe(10_000);
      expect(await store.get('h0')).toBeNull();
      expect(await store.get('h10000')).not.toBeNull();
    });
  });

  describe("a user's sessions", () => {
    /** The handle of the session stored under `idHash` by userSession (22 characters, like real ones). */
    const handleOf = (idHash: string) => `handle-${idHash}`.padEnd(22, '-');

    /** Stores a session of `userId` in `tenant`, last active `ago` ms before NOW, under the hash `idHash`. */
    async function userSession(idHash: string, userId: string | null, ago: number, tenant = ''): Promise<void> {
      await store.create(
        idHash,
        record({ handle: handleOf(idHash), tenant, userId, lastActiveAt: NOW - ago, expiresAt: NOW + 1000 }),
      );
    }

    beforeEach(async () => {
      await userSession('old', 'alice', 300);
      await userSession('newest', 'alice', 0);
      await userSession('middle', 'alice', 100);
      await userSession('bob', 'bob', 50);
      await userSession('anonymous', null, 10);
      await userSession('acme', 'alice', 20, 'acme');
    });

    describe('listByUser', () => {
      it("lists the user's sessions of the tenant, most recently active first, as summaries", async () => {
        const listed = await store.listByUser('alice', '', NOW);
        expect(listed.map((summary) => summary.handle)).toEqual([
          handleOf('newest'),
          handleOf('middle'),
          handleOf('old'),
        ]);
        expect(listed[0]).toEqual({
          handle: handleOf('newest'),
          tenant: '',
          userId: 'alice',
          createdAt: NOW,
          lastActiveAt: NOW,
          expiresAt: NOW + 1000,
          ip: '127.0.0.1',
          userAgent: 'jest',
        });
      });

      it('keeps tenants apart', async () => {
        expect((await store.listByUser('alice', 'acme', NOW)).map((summary) => summary.handle)).toEqual([
          handleOf('acme'),
        ]);
        expect(await store.listByUser('bob', 'acme', NOW)).toEqual([]);
      });

      it('leaves out the sessions expired at now', async () => {
        await store.create('expired', record({ handle: handleOf('expired'), userId: 'alice', expiresAt: NOW + 500 }));
        const handles = async (at: number) =>
          (await store.listByUser('alice', '', at)).map((summary) => summary.handle);
        expect(await handles(NOW + 499)).toContain(handleOf('expired'));
        expect(await handles(NOW + 500)).not.toContain(handleOf('expired'));
        expect(await handles(NOW + 500)).toHaveLength(3);
      });

      it('returns an empty list for a user without sessions', async () => {
        expect(await store.listByUser('nobody', '', NOW)).toEqual([]);
      });
    });

    describe('destroyByHandle', () => {
      it('deletes the session with that handle and returns its summary', async () => {
        const summary = await store.destroyByHandle('alice', '', handleOf('middle'));
        expect(summary).toMatchObject({ handle: handleOf('middle'), userId: 'alice', tenant: '' });
        expect(await store.get('middle')).toBeNull();
        expect(store.size).toBe(5);
      });

      it("returns null and deletes nothing for another user's handle, another tenant's or an unknown one", async () => {
        expect(await store.destroyByHandle('alice', '', handleOf('bob'))).toBeNull();
        expect(await store.destroyByHandle('alice', '', handleOf('acme'))).toBeNull();
        expect(await store.destroyByHandle('alice', 'acme', handleOf('old'))).toBeNull();
        expect(await store.destroyByHandle('alice', '', 'no-such-handle')).toBeNull();
        expect(store.size).toBe(6);
      });
    });

    describe('destroyByUser', () => {
      it("deletes every session of the user in the tenant and returns them, leaving the others'", async () => {
        const deleted = await store.destroyByUser({ userId: 'alice', tenant: '' });
        expect(deleted.map((summary) => summary.handle).sort()).toEqual(
          [handleOf('old'), handleOf('newest'), handleOf('middle')].sort(),
        );
        expect(store.size).toBe(3);
        for (const kept of ['bob', 'anonymous', 'acme']) {
          expect(await store.get(kept)).not.toBeNull();
        }
      });

      it('keeps the session named by exceptHandle', async () => {
        const deleted = await store.destroyByUser({ userId: 'alice', tenant: '', exceptHandle: handleOf('old') });
        expect(deleted.map((summary) => summary.handle).sort()).toEqual(
          [handleOf('newest'), handleOf('middle')].sort(),
        );
        expect(await store.get('old')).not.toBeNull();
      });

      it('keeps the keepNewest most recently active ones besides exceptHandle', async () => {
        const deleted = await store.destroyByUser({
          userId: 'alice',
          tenant: '',
          exceptHandle: handleOf('newest'),
          keepNewest: 1,
          now: NOW,
        });
        expect(deleted.map((summary) => summary.handle)).toEqual([handleOf('old')]);
        expect(await store.get('newest')).not.toBeNull();
        expect(await store.get('middle')).not.toBeNull();
      });

      it('never keeps an expired session among the keepNewest, even a recently active one', async () => {
        await store.create(
          'expired',
          record({ handle: handleOf('expired'), userId: 'alice', lastActiveAt: NOW + 1, expiresAt: NOW }),
        );
        const deleted = await store.destroyByUser({ userId: 'alice', tenant: '', keepNewest: 3, now: NOW });
        expect(deleted.map((summary) => summary.handle)).toEqual([handleOf('expired')]);
      });

      it('deletes nothing when keepNewest covers every session', async () => {
        expect(await store.destroyByUser({ userId: 'alice', tenant: '', keepNewest: 3, now: NOW })).toEqual([]);
        expect(store.size).toBe(6);
      });

      it('stays inside the tenant', async () => {
        const deleted = await store.destroyByUser({ userId: 'alice', tenant: 'acme' });
        expect(deleted.map((summary) => summary.handle)).toEqual([handleOf('acme')]);
        expect(store.size).toBe(5);
      });
    });
  });
});
