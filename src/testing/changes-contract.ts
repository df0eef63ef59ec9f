import { SessionChangedError, SessionTooLargeError } from '../core/session.errors';
import { hasChanges, type SessionChanges, type SessionChangeSubscription } from '../store/session-changes.interface';
import type { SessionStore } from '../store/session-store.interface';
import { ChangeRecorder } from './change-recorder';
import type { ContractContext, FullSessionStore } from './contract-context';
import { HOUR, NOW, patchOf, randomHandle, randomIdHash } from './fixtures';

/**
 * The optional change channel (`SessionChanges`), which the session cache needs: versions,
 * conditional patches (`ifVersion`), and announcements that reach listeners on every instance.
 * Its tests check nothing for a store without one.
 */
export function describeChangesContract(ctx: ContractContext, options: { userIndex: boolean }): void {
  let store: FullSessionStore & SessionChanges;
  const subscriptions: SessionChangeSubscription[] = [];
  const { createStored, createSession } = ctx;
  const at = { now: NOW };

  /** A test of the channel, run only when the store has one. */
  const itWithChanges = (name: string, test: () => Promise<void>) =>
    it(name, async () => {
      const current = ctx.store();
      if (hasChanges(current)) {
        store = current;
        await test();
      }
    });

  /** A recorder subscribed through `on`, once it listens. */
  async function listen(on: SessionStore): Promise<ChangeRecorder> {
    if (!hasChanges(on)) {
      throw new Error('The store given by sameBackEnd has no change channel (SessionChanges)');
    }
    const recorder = new ChangeRecorder();
    subscriptions.push(on.subscribeToChanges(recorder));
    await recorder.until('listening() after subscribeToChanges()', () => recorder.listenings > 0);
    return recorder;
  }

  /** Listeners through this instance and through another on the same back end. */
  async function listenOnBoth(): Promise<[ChangeRecorder, ChangeRecorder]> {
    return Promise.all([listen(store), listen(await ctx.sameBackEnd())]);
  }

  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
  });

  describe('change channel (SessionChanges)', () => {
    itWithChanges('counts writes in version: 0 when created, one more with each patch that applies', async () => {
      const { idHash, handle } = await createStored({ data: { a: 'x' } });
      await expect(store.get(idHash)).resolves.toMatchObject({ version: 0 });
      await store.patch(handle, patchOf({ set: { b: 1 } }), at);
      await expect(store.get(idHash)).resolves.toMatchObject({ version: 1 });
      const renewed = randomIdHash();
      await store.patch(handle, patchOf({ newIdHash: renewed, idIssuedAt: NOW, lastActiveAt: NOW }), at);
      await expect(
        store.patch(handle, patchOf({ set: { big: 'y'.repeat(2000) } }), { ...at, maxBytes: 1000 }),
      ).rejects.toBeInstanceOf(SessionTooLargeError);
      await expect(store.get(renewed)).resolves.toMatchObject({ version: 2, data: { a: 'x', b: 1 } });
    });

    itWithChanges(
      'refuses a patch whose ifVersion is not the stored version with SessionChangedError, changing nothing',
      async () => {
        const { idHash, handle } = await createStored({ userId: 'u1', data: { a: 1, b: 2 } });
        await store.patch(handle, patchOf({ set: { a: 10 } }), at);
        const before = await store.get(idHash);
        const newIdHash = randomIdHash();
        const stale = patchOf({
          ifVersion: 0,
          set: { a: 20, c: 3 },
          unset: ['b'],
          expiresAt: NOW + 2 * HOUR,
          lastActiveAt: NOW + 5,
          userId: null,
          newIdHash,
          idIssuedAt: NOW,
        });
        await expect(store.patch(handle, stale, at)).rejects.toBeInstanceOf(SessionChangedError);
        await expect(store.get(idHash)).resolves.toEqual(before);
        await expect(store.get(newIdHash)).resolves.toBeNull();

        await expect(store.patch(handle, { ...stale, ifVersion: 1 }, at)).resolves.toBe(newIdHash);
        await expect(store.get(newIdHash)).resolves.toMatchObject({
          version: 2,
          data: { a: 20, c: 3 },
          userId: null,
          expiresAt: NOW + 2 * HOUR,
        });
      },
    );

    itWithChanges('lets exactly one of concurrent patches at the same ifVersion through', async () => {
      const { idHash, handle } = await createStored({ data: {} });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          store.patch(handle, patchOf({ ifVersion: 0, set: { [`k${index}`]: index } }), at),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      results
        .filter((result) => result.status === 'rejected')
        .forEach((result) => expect(result.reason).toBeInstanceOf(SessionChangedError));
      const stored = await store.get(idHash);
      expect(stored).toMatchObject({ version: 1 });
      expect(Object.keys(stored!.data)).toHaveLength(1);
    });

    itWithChanges(
      'answers null, not SessionChangedError, for a session missing or expired, whatever ifVersion',
      async () => {
        await expect(store.patch(randomHandle(), patchOf({ ifVersion: 3, set: { a: 1 } }), at)).resolves.toBeNull();
        const { handle } = await createStored({ expiresAt: NOW + 1000 });
        await expect(store.patch(handle, patchOf({ ifVersion: 7 }), { now: NOW + 1000 })).resolves.toBeNull();
      },
    );

    itWithChanges(
      'announces each applied patch with its new version, and the deletion, to listeners on every instance, its own included',
      async () => {
        const [mine, theirs] = await listenOnBoth();
        const { handle } = await createStored();
        await createSession();
        await store.patch(handle, patchOf({ set: { a: 1 } }), at);
        await expect(store.patch(handle, patchOf({ ifVersion: 0, set: { a: 2 } }), at)).rejects.toBeInstanceOf(
          SessionChangedError,
        );
        await store.patch(handle, patchOf({ ifVersion: 1, newIdHash: randomIdHash(), idIssuedAt: NOW }), at);
        await store.destroy(handle);
        for (const recorder of [theirs, mine]) {
          await recorder.until('the deletion', () => recorder.versionsOf(handle).includes(null));
          expect(recorder.versionsOf(handle)).toEqual([1, 2, null]);
        }
      },
    );

    if (options.userIndex) {
      itWithChanges(
        "announces every session a user's revocations delete (destroyByHandle, destroyByUser)",
        async () => {
          const [mine, theirs] = await listenOnBoth();
          const one = await createStored({ userId: 'alice' });
          const two = await createStored({ userId: 'alice' });
          const three = await createStored({ userId: 'alice', expiresAt: NOW - 1 });
          const bob = await createStored({ userId: 'bob' });
          await expect(store.destroyByHandle('alice', '', one.handle)).resolves.not.toBeNull();
          await expect(store.destroyByUser({ userId: 'alice', tenant: '' })).resolves.toHaveLength(2);
          await store.patch(bob.handle, patchOf({ set: { after: true } }), at);
          for (const recorder of [theirs, mine]) {
            await recorder.until("the other user's patch", () => recorder.versionsOf(bob.handle).length > 0);
            for (const { handle } of [one, two, three]) {
              await recorder.until('every deletion', () => recorder.versionsOf(handle).includes(null));
              expect(recorder.versionsOf(handle)).toEqual([null]);
            }
            expect(recorder.versionsOf(bob.handle)).toEqual([1]);
          }
        },
      );
    }
  });
}
