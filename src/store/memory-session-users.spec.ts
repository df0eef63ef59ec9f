import { MemorySessionStore } from './memory-session.store';
import { NOW, record } from './memory-session.store.fixture';

describe('MemorySessionStore', () => {
  let store: MemorySessionStore;

  beforeEach(() => {
    store = new MemorySessionStore();
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
