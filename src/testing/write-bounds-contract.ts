import { SessionStoreUnavailableError, SessionTooLargeError } from '../core/session.errors';
import type { SessionWriteOptions } from '../store/session-store.interface';
import type { ContractContext, FullSessionStore } from './contract-context';
import { HOUR, NOW, patchOf, randomHandle, randomIdHash, storedSession } from './fixtures';

/** Writes by stable handle, conditional new IDs, the size limit and the deadline. */
export function describeWriteBoundsContract(ctx: ContractContext): void {
  let store: FullSessionStore;
  const { createStored, read } = ctx;
  beforeEach(() => {
    store = ctx.store();
  });

  describe('patch: identity and bounds', () => {
    const at = (now: number, more: Partial<SessionWriteOptions> = {}): SessionWriteOptions => ({ now, ...more });

    it('finds the session by its handle whatever ID it has by then: a write made under the old ID still lands', async () => {
      const { idHash: oldHash, handle } = await createStored({ data: { a: 1 } });
      const renewed = randomIdHash();
      await store.patch(handle, patchOf({ newIdHash: renewed, idIssuedAt: NOW }), at(NOW));
      await expect(store.patch(handle, patchOf({ set: { b: 2 } }), at(NOW))).resolves.toBe(renewed);
      await expect(store.get(renewed)).resolves.toMatchObject({ data: { a: 1, b: 2 } });
      await expect(store.get(oldHash)).resolves.toBeNull();
    });

    it('applies a conditional new ID (ifIdHash, a renewal) only while the session still has that hash; the rest applies anyway', async () => {
      const { idHash: loaded, handle } = await createStored({ data: {} });
      const loginHash = randomIdHash();
      await store.patch(handle, patchOf({ newIdHash: loginHash, idIssuedAt: NOW, userId: 'u' }), at(NOW));
      const renewal = patchOf({
        set: { seen: true },
        newIdHash: randomIdHash(),
        ifIdHash: loaded,
        idIssuedAt: NOW + 5,
      });
      await expect(store.patch(handle, renewal, at(NOW))).resolves.toBe(loginHash);
      await expect(store.get(loginHash)).resolves.toMatchObject({
        data: { seen: true },
        userId: 'u',
        idIssuedAt: NOW,
      });

      const next = randomIdHash();
      const current = patchOf({ newIdHash: next, ifIdHash: loginHash, idIssuedAt: NOW + 9 });
      await expect(store.patch(handle, current, at(NOW))).resolves.toBe(next);
      await expect(store.get(next)).resolves.toMatchObject({ idIssuedAt: NOW + 9 });
    });

    it('returns null for an expired session and leaves it unchanged', async () => {
      const { idHash, ...before } = await createStored({ data: { before: 1 }, expiresAt: NOW + 1000 });
      await expect(
        store.patch(before.handle, patchOf({ set: { after: 2 }, expiresAt: NOW + HOUR }), at(NOW + 1000)),
      ).resolves.toBeNull();
      await expect(read(idHash)).resolves.toEqual(before);
    });

    it('returns null for a session that does not exist, and creates none', async () => {
      await expect(store.patch(randomHandle(), patchOf({ set: { x: 1 } }), at(NOW))).resolves.toBeNull();
    });

    it('refuses with SessionTooLargeError, changing nothing, a patch that would take the data past maxBytes', async () => {
      const { idHash, ...before } = await createStored({ data: { a: 'x'.repeat(500) } });
      const big = patchOf({ set: { b: 'y'.repeat(600) }, userId: 'u' });
      await expect(store.patch(before.handle, big, at(NOW, { maxBytes: 1000 }))).rejects.toBeInstanceOf(
        SessionTooLargeError,
      );
      await expect(read(idHash)).resolves.toEqual(before);
      const replacing = patchOf({ set: { b: 'y'.repeat(300) }, unset: ['a'] });
      await expect(store.patch(before.handle, replacing, at(NOW, { maxBytes: 1000 }))).resolves.toBe(idHash);
    });

    it('holds maxBytes against concurrent patches: the size is measured where they merge', async () => {
      const { idHash, handle } = await createStored();
      const value = 'v'.repeat(1000);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, index) =>
          store.patch(handle, patchOf({ set: { [`k${index}`]: value } }), at(NOW, { maxBytes: 3500 })),
        ),
      );
      const written = results.filter((result) => result.status === 'fulfilled');
      const refused = results.filter((result) => result.status === 'rejected');
      expect(written).toHaveLength(3);
      refused.forEach((result) => expect(result.reason).toBeInstanceOf(SessionTooLargeError));
      const stored = await store.get(idHash);
      expect(Object.keys(stored!.data)).toHaveLength(3);
    });

    it('refuses a write whose deadline has passed, changing nothing (a late write never lands)', async () => {
      const { idHash, ...before } = await createStored({ data: { a: 1 } });
      const late = at(NOW, { deadline: Date.now() - 1 });
      await expect(store.patch(before.handle, patchOf({ set: { a: 2 } }), late)).rejects.toBeInstanceOf(
        SessionStoreUnavailableError,
      );
      await expect(store.create(randomIdHash(), storedSession(), late)).rejects.toBeInstanceOf(
        SessionStoreUnavailableError,
      );
      await expect(read(idHash)).resolves.toEqual(before);
      const inTime = at(NOW, { deadline: Date.now() + 60_000 });
      await expect(store.patch(before.handle, patchOf({ set: { a: 3 } }), inTime)).resolves.toBe(idHash);
    });

    it('refuses to create a session whose data is larger than maxBytes', async () => {
      const idHash = randomIdHash();
      const session = storedSession({ data: { a: 'x'.repeat(2000) } });
      await expect(store.create(idHash, session, at(NOW, { maxBytes: 1000 }))).rejects.toBeInstanceOf(
        SessionTooLargeError,
      );
      await expect(store.get(idHash)).resolves.toBeNull();
    });
  });
}
