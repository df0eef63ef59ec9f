import type { ContractContext, FullSessionStore } from './contract-context';
import { HOUR, MINUTE, NOW, patchOf, randomHandle, summaryOf } from './fixtures';

/** The optional per-user index: listByUser, destroyByHandle, destroyByUser. */
export function describeUserIndexContract(ctx: ContractContext): void {
  let store: FullSessionStore;
  const { createStored, patchCreated, handlesOf } = ctx;
  beforeEach(() => {
    store = ctx.store();
  });

  describe("a user's sessions", () => {
    /**
     * Alice's sessions on tenant '' and 'b', Bob's, and an anonymous one. Alice's are named by
     * last activity; they were also created in that order, so ordering by creation would agree
     * until a test makes an old one active again.
     */
    async function population() {
      const alice = {
        newest: await createStored({
          userId: 'alice',
          createdAt: NOW - 10 * MINUTE,
          lastActiveAt: NOW - 1 * MINUTE,
          ip: '198.51.100.1',
          userAgent: 'A',
        }),
        middle: await createStored({
          userId: 'alice',
          createdAt: NOW - 20 * MINUTE,
          lastActiveAt: NOW - 5 * MINUTE,
          data: { secret: 'x' },
        }),
        oldest: await createStored({
          userId: 'alice',
          createdAt: NOW - 50 * MINUTE,
          lastActiveAt: NOW - 30 * MINUTE,
        }),
      };
      const aliceExpired = await createStored({
        userId: 'alice',
        createdAt: NOW - 3 * HOUR,
        lastActiveAt: NOW - 2 * HOUR,
        expiresAt: NOW - 1,
      });
      const aliceOnB = await createStored({ userId: 'alice', tenant: 'b', lastActiveAt: NOW - 2 * MINUTE });
      const bob = await createStored({ userId: 'bob', lastActiveAt: NOW });
      const anonymous = await createStored({ lastActiveAt: NOW });
      return { alice, aliceExpired, aliceOnB, bob, anonymous };
    }

    describe('listByUser', () => {
      it("lists the user's live sessions of the tenant, most recently active first, as summaries", async () => {
        const { alice } = await population();
        await expect(store.listByUser('alice', '', NOW)).resolves.toEqual([
          summaryOf(alice.newest),
          summaryOf(alice.middle),
          summaryOf(alice.oldest),
        ]);
      });

      it('keeps tenants apart and leaves out sessions expired at `now`', async () => {
        const { alice, aliceOnB } = await population();
        await expect(store.listByUser('alice', 'b', NOW)).resolves.toEqual([summaryOf(aliceOnB)]);
        await expect(store.listByUser('bob', 'b', NOW)).resolves.toEqual([]);
        const later = handlesOf(await store.listByUser('alice', '', alice.newest.expiresAt));
        expect(later).toEqual([]);
      });

      it('orders by the last activity that patches record', async () => {
        const { alice } = await population();
        await patchCreated(alice.oldest.idHash, patchOf({ lastActiveAt: NOW }), NOW);
        expect(handlesOf(await store.listByUser('alice', '', NOW))).toEqual([
          alice.oldest.handle,
          alice.newest.handle,
          alice.middle.handle,
        ]);
      });

      it('finds a session by the user a patch logged in, and forgets it when a patch logs out', async () => {
        const { idHash, handle } = await createStored();
        await patchCreated(idHash, patchOf({ userId: 'carol' }), NOW);
        expect(handlesOf(await store.listByUser('carol', '', NOW))).toEqual([handle]);
        await patchCreated(idHash, patchOf({ userId: null }), NOW);
        await expect(store.listByUser('carol', '', NOW)).resolves.toEqual([]);
      });

      it('returns an empty list for a user without sessions', async () => {
        await population();
        await expect(store.listByUser('nobody', '', NOW)).resolves.toEqual([]);
      });
    });

    describe('destroyByHandle', () => {
      it("deletes the user's session with that handle and returns its summary", async () => {
        const { alice } = await population();
        await expect(store.destroyByHandle('alice', '', alice.middle.handle)).resolves.toEqual(summaryOf(alice.middle));
        await expect(store.get(alice.middle.idHash)).resolves.toBeNull();
        expect(handlesOf(await store.listByUser('alice', '', NOW))).toEqual([alice.newest.handle, alice.oldest.handle]);
      });

      it("returns null and deletes nothing for another user's handle, another tenant's or an unknown one", async () => {
        const { alice, aliceOnB, bob } = await population();
        await expect(store.destroyByHandle('alice', '', bob.handle)).resolves.toBeNull();
        await expect(store.destroyByHandle('bob', '', alice.newest.handle)).resolves.toBeNull();
        await expect(store.destroyByHandle('alice', '', aliceOnB.handle)).resolves.toBeNull();
        await expect(store.destroyByHandle('alice', 'b', alice.newest.handle)).resolves.toBeNull();
        await expect(store.destroyByHandle('alice', '', randomHandle())).resolves.toBeNull();
        for (const session of [alice.newest, aliceOnB, bob]) {
          await expect(store.get(session.idHash)).resolves.not.toBeNull();
        }
      });
    });

    describe('destroyByUser', () => {
      it('deletes every session of the user in the tenant, expired ones included, and returns them', async () => {
        const { alice, aliceExpired, aliceOnB, bob, anonymous } = await population();
        const deleted = await store.destroyByUser({ userId: 'alice', tenant: '' });
        expect(new Set(handlesOf(deleted))).toEqual(
          new Set([alice.newest.handle, alice.middle.handle, alice.oldest.handle, aliceExpired.handle]),
        );
        expect(deleted).toContainEqual(summaryOf(alice.middle));
        for (const session of [alice.newest, alice.middle, alice.oldest, aliceExpired]) {
          await expect(store.get(session.idHash)).resolves.toBeNull();
        }
        for (const session of [aliceOnB, bob, anonymous]) {
          await expect(store.get(session.idHash)).resolves.not.toBeNull();
        }
      });

      it("with a null tenant, deletes the user's sessions in every tenant", async () => {
        const { alice, aliceExpired, aliceOnB, bob, anonymous } = await population();
        const deleted = await store.destroyByUser({
          userId: 'alice',
          tenant: null,
          exceptHandle: alice.newest.handle,
        });
        expect(new Set(handlesOf(deleted))).toEqual(
          new Set([alice.middle.handle, alice.oldest.handle, aliceExpired.handle, aliceOnB.handle]),
        );
        for (const session of [alice.newest, bob, anonymous]) {
          await expect(store.get(session.idHash)).resolves.not.toBeNull();
        }
      });

      it('keeps the session named by exceptHandle', async () => {
        const { alice } = await population();
        const deleted = await store.destroyByUser({ userId: 'alice', tenant: '', exceptHandle: alice.oldest.handle });
        expect(handlesOf(deleted)).not.toContain(alice.oldest.handle);
        expect(handlesOf(await store.listByUser('alice', '', NOW))).toEqual([alice.oldest.handle]);
      });

      it('keeps the keepNewest most recently active sessions besides exceptHandle, and deletes the older ones', async () => {
        const { alice, aliceExpired } = await population();
        // The oldest becomes the most recently active: order follows activity, not creation.
        await patchCreated(alice.oldest.idHash, patchOf({ lastActiveAt: NOW }), NOW);
        const deleted = await store.destroyByUser({
          userId: 'alice',
          tenant: '',
          exceptHandle: alice.newest.handle,
          keepNewest: 1,
        });
        expect(handlesOf(deleted).sort()).toEqual([alice.middle.handle, aliceExpired.handle].sort());
        expect(handlesOf(await store.listByUser('alice', '', NOW))).toEqual([alice.oldest.handle, alice.newest.handle]);
      });

      it('deletes nothing when keepNewest covers every session, or for a user without sessions', async () => {
        const { alice } = await population();
        await expect(store.destroyByUser({ userId: 'alice', tenant: '', keepNewest: 4 })).resolves.toEqual([]);
        await expect(store.destroyByUser({ userId: 'nobody', tenant: '' })).resolves.toEqual([]);
        expect(await store.listByUser('alice', '', NOW)).toHaveLength(Object.keys(alice).length);
      });
    });
  });
}
