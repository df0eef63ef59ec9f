import { SessionLimitExceededError } from '../core/session.errors';
import type { UserSessionLimit } from '../store/session-user-index.interface';
import type { ContractContext, FullSessionStore } from './contract-context';
import { NOW, patchOf, randomIdHash, storedSession } from './fixtures';

/** Writes under a session limit, which a store with a per-user index must honour. */
export function describeLimitContract(ctx: ContractContext): void {
  let store: FullSessionStore;
  const { createStored, createSession, patchCreated, read } = ctx;
  beforeEach(() => {
    store = ctx.store();
  });

  describe('writes under a session limit (a login under the refuse policy)', () => {
    const limitOf = (max: number): UserSessionLimit => ({ userId: 'alice', tenant: '', max, now: NOW });
    const login = { userId: 'alice' };

    it('creates a session while the user has fewer than max other live sessions, counting only theirs', async () => {
      await createSession(login);
      await createSession({ ...login, expiresAt: NOW }); // expired at `now`: not counted
      await createSession({ userId: 'alice', tenant: 'b' });
      await createSession({ userId: 'bob' });
      await createSession();
      const idHash = randomIdHash();

      await store.create(idHash, storedSession(login), { now: NOW, limit: limitOf(2) });

      expect(await store.get(idHash)).toMatchObject(login);
    });

    it('refuses to create one past max with SessionLimitExceededError, storing nothing', async () => {
      await createSession(login);
      await createSession(login);
      const idHash = randomIdHash();

      const refused = store.create(idHash, storedSession(login), { now: NOW, limit: limitOf(2) });

      await expect(refused).rejects.toThrow(SessionLimitExceededError);
      await expect(refused).rejects.toMatchObject({ limit: 2 });
      expect(await store.get(idHash)).toBeNull();
      expect(await store.listByUser('alice', '', NOW)).toHaveLength(2);
    });

    it('patches a login in without counting the session itself, and refuses one past max, changing nothing', async () => {
      const again = await createStored(login);
      await createSession(login);
      await expect(
        patchCreated(again.idHash, patchOf({ set: { a: 1 }, userId: 'alice' }), NOW, limitOf(2)),
      ).resolves.toBe(again.idHash);
      const { idHash: anonymousHash, ...anonymous } = await createStored({ data: { cart: ['tea'] } });

      const refused = patchCreated(anonymousHash, patchOf({ set: { b: 2 }, userId: 'alice' }), NOW, limitOf(2));

      await expect(refused).rejects.toThrow(SessionLimitExceededError);
      expect(await read(anonymousHash)).toEqual(anonymous);
      expect(await store.get(again.idHash)).toMatchObject({ data: { a: 1 } });
    });

    it('counts a session logged in again once, and not a session deleted', async () => {
      const phone = await createStored(login);
      const laptop = await createStored(login);
      await patchCreated(phone.idHash, patchOf({ userId: 'alice' }), NOW, limitOf(2));
      await store.destroy(laptop.handle);

      const tablet = randomIdHash();
      await store.create(tablet, storedSession(login), { now: NOW, limit: limitOf(2) });

      expect(await store.get(tablet)).toMatchObject(login);
      const refused = store.create(randomIdHash(), storedSession(login), { now: NOW, limit: limitOf(2) });
      await expect(refused).rejects.toThrow(SessionLimitExceededError);
    });

    it('lets through no more than max of many simultaneous logins of one user', async () => {
      await createSession(login);
      const anonymous = await Promise.all(Array.from({ length: 6 }, () => createSession()));

      const attempts = await Promise.allSettled([
        ...Array.from({ length: 6 }, () =>
          store.create(randomIdHash(), storedSession(login), { now: NOW, limit: limitOf(4) }),
        ),
        ...anonymous.map((idHash) => patchCreated(idHash, patchOf({ userId: 'alice' }), NOW, limitOf(4))),
      ]);

      const refused = attempts.filter((attempt) => attempt.status === 'rejected');
      expect(attempts.length - refused.length).toBe(3);
      refused.forEach((attempt) => expect(attempt.reason).toBeInstanceOf(SessionLimitExceededError));
      expect(await store.listByUser('alice', '', NOW)).toHaveLength(4);
    });
  });
}
