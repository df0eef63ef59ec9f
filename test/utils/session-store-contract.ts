import { randomBytes } from 'node:crypto';
import {
  SessionLimitExceededError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  type SessionPatch,
  type SessionWriteOptions,
  type SessionStore,
  type SessionSummary,
  type StoredSession,
  type UserSessionLimit,
} from '../../src';

/** A fixed clock, with milliseconds, so round trips show that no precision is lost. */
export const NOW = Date.UTC(2030, 0, 15, 12, 30, 45, 123);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A random ID hash, as the module would store it (hex SHA-256). */
export const randomIdHash = (): string => randomBytes(32).toString('hex');

/** A random handle, as the module makes them (22 characters of base64url). */
export const randomHandle = (): string => randomBytes(16).toString('base64url');

/** A live session at {@link NOW} with a fresh handle, with the given fields replaced. */
export function storedSession(overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    handle: randomHandle(),
    tenant: '',
    data: {},
    createdAt: NOW - HOUR,
    lastActiveAt: NOW - MINUTE,
    idIssuedAt: NOW - HOUR,
    expiresAt: NOW + HOUR,
    absoluteExpiresAt: NOW + DAY,
    lifetime: null,
    userId: null,
    ip: null,
    userAgent: null,
    ...overrides,
  };
}

/** What listings and revocations give back about a stored session: no data, no ID hash. */
export function summaryOf(session: StoredSession): SessionSummary {
  const { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent } = session;
  return { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent };
}

const patchOf = (patch: Partial<SessionPatch>): SessionPatch => ({ set: {}, unset: [], ...patch });

/**
 * What every {@link SessionStore} must do, as a suite to run against each implementation.
 * `createEmptyStore` runs before each test and must give a store holding no session.
 */
export function describeSessionStore(name: string, createEmptyStore: () => SessionStore | Promise<SessionStore>): void {
  describe(`${name} (SessionStore contract)`, () => {
    let store: SessionStore;

    /** Handles of the sessions this test created, by ID hash, for tests written in terms of hashes. */
    const handles = new Map<string, string>();

    async function createSession(overrides: Partial<StoredSession> = {}): Promise<string> {
      return (await createStored(overrides)).idHash;
    }

    /** Patches the session created under `idHash`, found by its handle, as the module does. */
    function patchCreated(idHash: string, patch: SessionPatch, now: number, limit?: UserSessionLimit) {
      return store.patch(handles.get(idHash) ?? randomHandle(), patch, { now, limit });
    }

    /** Stores a session and returns it with its hash, for tests that compare summaries. */
    async function createStored(overrides: Partial<StoredSession> = {}): Promise<StoredSession & { idHash: string }> {
      const session = storedSession(overrides);
      const idHash = randomIdHash();
      await store.create(idHash, session);
      handles.set(idHash, session.handle);
      return { ...session, idHash };
    }

    const handlesOf = (sessions: SessionSummary[]): string[] => sessions.map((session) => session.handle);

    beforeEach(async () => {
      store = await createEmptyStore();
    });

    describe('create and get', () => {
      it('round-trips every field: millisecond timestamps, lifetime, user, tenant, handle, ip, user agent and nested JSON', async () => {
        const session: StoredSession = {
          handle: randomHandle(),
          tenant: 'tenant-ü',
          idIssuedAt: NOW - 3,
          data: {
            cart: ['a', 'b'],
            profile: { name: 'Zoë', tags: [1, 2.5, null, true, { deep: 'x' }] },
            empty: {},
            zero: 0,
            no: false,
            nothing: null,
            text: 'line\nbreak "quoted" \u2603',
          },
          createdAt: NOW - 1,
          lastActiveAt: NOW + 7,
          expiresAt: NOW + HOUR + 999,
          absoluteExpiresAt: NOW + 30 * DAY + 1,
          lifetime: 30 * DAY,
          userId: '42',
          ip: '203.0.113.7',
          userAgent: 'Mozilla/5.0 (jest) ü',
        };
        const idHash = randomIdHash();
        await store.create(idHash, session);
        await expect(store.get(idHash)).resolves.toEqual(session);
      });

      it('round-trips the nullable fields as null', async () => {
        const session = await createStored();
        const { idHash, ...stored } = session;
        await expect(store.get(idHash)).resolves.toEqual(stored);
      });

      it('returns null for a session that was never stored', async () => {
        await expect(store.get(randomIdHash())).resolves.toBeNull();
      });

      it('returns an expired session as it is: the caller checks expiresAt (and reports the expiry)', async () => {
        const { idHash, ...expired } = await createStored({ expiresAt: NOW - DAY, data: { old: true } });
        await expect(store.get(idHash)).resolves.toEqual(expired);
      });

      it('hands out copies: changing a returned session changes nothing stored', async () => {
        const idHash = await createSession({ data: { list: [1] } });
        const first = await store.get(idHash);
        (first!.data.list as number[]).push(2);
        first!.data.added = true;
        const second = await store.get(idHash);
        expect(second!.data).toEqual({ list: [1] });
      });
    });

    describe('patch', () => {
      const at = (now: number, more: Partial<SessionWriteOptions> = {}): SessionWriteOptions => ({ now, ...more });

      it('removes the unset keys, writes the set ones and leaves every other key', async () => {
        const { idHash, handle } = await createStored({
          data: { keep: 1, old: 2, change: 'a', nested: { x: 1, y: 2 } },
        });
        await expect(
          store.patch(
            handle,
            patchOf({ set: { change: 'b', added: { z: [3] }, nested: { x: 9 } }, unset: ['old'] }),
            at(NOW),
          ),
        ).resolves.toBe(idHash);
        const stored = await store.get(idHash);
        expect(stored!.data).toEqual({ keep: 1, change: 'b', added: { z: [3] }, nested: { x: 9 } });
      });

      it('keeps the changes of concurrent patches to different keys', async () => {
        const { idHash, handle } = await createStored({ data: { base: true, gone: 1 } });
        const keys = Array.from({ length: 10 }, (_, index) => `key${index}`);
        const results = await Promise.all(
          keys.map((key, index) =>
            store.patch(handle, patchOf({ set: { [key]: index }, unset: index === 0 ? ['gone'] : [] }), at(NOW)),
          ),
        );
        expect(results).toEqual(keys.map(() => idHash));
        const stored = await store.get(idHash);
        expect(stored!.data).toEqual({ base: true, ...Object.fromEntries(keys.map((key, index) => [key, index])) });
      });

      it('updates the fields it gives and leaves the others as they are', async () => {
        const { idHash, ...before } = await createStored({
          userId: 'u1',
          tenant: 't1',
          ip: '198.51.100.1',
          userAgent: 'first',
          lifetime: 5000,
        });
        await store.patch(
          before.handle,
          patchOf({
            lastActiveAt: NOW + 1,
            expiresAt: NOW + 2 * HOUR,
            absoluteExpiresAt: NOW + 2 * DAY,
            ip: '198.51.100.2',
          }),
          at(NOW),
        );
        await expect(store.get(idHash)).resolves.toEqual({
          ...before,
          lastActiveAt: NOW + 1,
          expiresAt: NOW + 2 * HOUR,
          absoluteExpiresAt: NOW + 2 * DAY,
          ip: '198.51.100.2',
        });
      });

      it('sets the user and the lifetime, and clears them with null', async () => {
        const { idHash, handle } = await createStored({ ip: '198.51.100.1' });
        await store.patch(handle, patchOf({ userId: 'u2', lifetime: 30 * DAY, userAgent: 'second' }), at(NOW));
        await expect(store.get(idHash)).resolves.toMatchObject({
          userId: 'u2',
          lifetime: 30 * DAY,
          userAgent: 'second',
        });

        await store.patch(handle, patchOf({ userId: null, lifetime: null }), at(NOW));
        await expect(store.get(idHash)).resolves.toMatchObject({
          userId: null,
          lifetime: null,
          ip: '198.51.100.1',
          userAgent: 'second',
        });
      });

      it('moves the session to newIdHash, keeping its handle and tenant: the old hash stops working at once', async () => {
        const { idHash: oldHash, handle } = await createStored({ data: { kept: 'yes' }, userId: 'u3', tenant: 't' });
        const newHash = randomIdHash();
        await expect(
          store.patch(handle, patchOf({ set: { moved: true }, newIdHash: newHash, idIssuedAt: NOW }), at(NOW)),
        ).resolves.toBe(newHash);
        await expect(store.get(oldHash)).resolves.toBeNull();
        await expect(store.get(newHash)).resolves.toMatchObject({
          data: { kept: 'yes', moved: true },
          userId: 'u3',
          handle,
          tenant: 't',
          idIssuedAt: NOW,
        });
      });

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
        await expect(store.get(idHash)).resolves.toEqual(before);
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
        await expect(store.get(idHash)).resolves.toEqual(before);
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
        await expect(store.get(idHash)).resolves.toEqual(before);
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

    describe('destroy', () => {
      it('deletes the session with the handle and leaves the others', async () => {
        const gone = await createStored();
        const other = await createStored();
        await store.destroy(gone.handle);
        await expect(store.get(gone.idHash)).resolves.toBeNull();
        await expect(store.get(other.idHash)).resolves.not.toBeNull();
      });

      it('deletes it whatever ID it has by then', async () => {
        const { handle } = await createStored();
        const renewed = randomIdHash();
        await store.patch(handle, patchOf({ newIdHash: renewed, idIssuedAt: NOW }), { now: NOW });
        await store.destroy(handle);
        await expect(store.get(renewed)).resolves.toBeNull();
      });

      it('accepts a session that does not exist', async () => {
        await expect(store.destroy(randomHandle())).resolves.toBeUndefined();
      });
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
          await expect(store.destroyByHandle('alice', '', alice.middle.handle)).resolves.toEqual(
            summaryOf(alice.middle),
          );
          await expect(store.get(alice.middle.idHash)).resolves.toBeNull();
          expect(handlesOf(await store.listByUser('alice', '', NOW))).toEqual([
            alice.newest.handle,
            alice.oldest.handle,
          ]);
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
          expect(handlesOf(await store.listByUser('alice', '', NOW))).toEqual([
            alice.oldest.handle,
            alice.newest.handle,
          ]);
        });

        it('deletes nothing when keepNewest covers every session, or for a user without sessions', async () => {
          const { alice } = await population();
          await expect(store.destroyByUser({ userId: 'alice', tenant: '', keepNewest: 4 })).resolves.toEqual([]);
          await expect(store.destroyByUser({ userId: 'nobody', tenant: '' })).resolves.toEqual([]);
          expect(await store.listByUser('alice', '', NOW)).toHaveLength(Object.keys(alice).length);
        });
      });
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
        expect(await store.get(anonymousHash)).toEqual(anonymous);
        expect(await store.get(again.idHash)).toMatchObject({ data: { a: 1 } });
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

    describe('deleteExpired', () => {
      it('deletes at most `limit` expired sessions per call and returns how many', async () => {
        const live = await Promise.all([
          createSession({ expiresAt: NOW + 1 }),
          createSession({ expiresAt: NOW + DAY }),
        ]);
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
  });
}
