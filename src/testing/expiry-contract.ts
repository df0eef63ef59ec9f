import type { ContractContext, FullSessionStore } from './contract-context';
import { DAY, MINUTE, NOW } from './fixtures';

/** The optional expiry contract: deleteExpired. */
export function describeExpiryContract(ctx: ContractContext): void {
  let store: FullSessionStore;
  const { createSession } = ctx;
  beforeEach(() => {
    store = ctx.store();
  });

  describe('deleteExpired', () => {
    it('deletes at most `limit` expired sessions per call and returns how many', async () => {
      const live = await Promise.all([createSession({ expiresAt: NOW + 1 }), createSession({ expiresAt: NOW + DAY })]);
      // Expired at exactly NOW counts as expired: the manager no longer serves it, patch() refuses it.
      await Promise.all([0, 1, 2, MINUTE, DAY].map((ago) => createSession({ expiresAt: NOW - ago })));

      await expect(store.deleteExpired(NOW, 3)).resolves.toBe(3);
      await expect(store.deleteExpired(NOW, 3)).resolves.toBe(2);
      await expect(store.deleteExpired(NOW, 3)).resolves.toBe(0);
      for (const idHash of live) {
        await expect(store.get(idHash)).resolves.not.toBeNull();
      }
    });

    it('deletes each expired session once across simultaneous calls; a call that found another cleaning up resolves to null', async () => {
      await Promise.all([0, 1, 2, 3, 4].map((ago) => createSession({ expiresAt: NOW - ago })));

      const results = await Promise.all([store.deleteExpired(NOW, 10), store.deleteExpired(NOW, 10)]);

      results.forEach((deleted) => expect(deleted === null || Number.isInteger(deleted)).toBe(true));
      expect(results.reduce<number>((sum, deleted) => sum + (deleted ?? 0), 0)).toBe(5);
      await expect(store.deleteExpired(NOW, 10)).resolves.toBe(0);
    });
  });
}
