import { randomBytes } from 'node:crypto';
import type { SessionPatch, SessionStore, StoredSession } from '../../src';

/** A fixed clock, with milliseconds, so round trips show that no precision is lost. */
export const NOW = Date.UTC(2030, 0, 15, 12, 30, 45, 123);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A random ID hash, as the module would store it (hex SHA-256). */
export const randomIdHash = (): string => randomBytes(32).toString('hex');

/** A live session at {@link NOW}, with the given fields replaced. */
export function storedSession(overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    data: {},
    createdAt: NOW - HOUR,
    lastActiveAt: NOW - MINUTE,
    expiresAt: NOW + HOUR,
    absoluteExpiresAt: NOW + DAY,
    lifetime: null,
    userId: null,
    ip: null,
    userAgent: null,
    ...overrides,
  };
}

const patchOf = (patch: Partial<SessionPatch>): SessionPatch => ({ set: {}, unset: [], ...patch });

/**
 * What every {@link SessionStore} must do, as a suite to run against each implementation.
 * `createEmptyStore` runs before each test and must give a store holding no session.
 */
export function describeSessionStore(name: string, createEmptyStore: () => SessionStore | Promise<SessionStore>): void {
  describe(`${name} (SessionStore contract)`, () => {
    let store: SessionStore;

    async function createSession(overrides: Partial<StoredSession> = {}): Promise<string> {
      const idHash = randomIdHash();
      await store.create(idHash, storedSession(overrides));
      return idHash;
    }

    beforeEach(async () => {
      store = await createEmptyStore();
    });

    describe('create and get', () => {
      it('round-trips every field: millisecond timestamps, lifetime, user, ip, user agent and nested JSON', async () => {
        const session: StoredSession = {
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
        await expect(store.get(idHash, NOW)).resolves.toEqual(session);
      });

      it('round-trips the nullable fields as null', async () => {
        const idHash = await createSession();
        await expect(store.get(idHash, NOW)).resolves.toEqual(storedSession());
      });

      it('returns null for a session that was never stored', async () => {
        await expect(store.get(randomIdHash(), NOW)).resolves.toBeNull();
      });

      it('returns null once the session has expired, and the session up to then', async () => {
        const idHash = await createSession({ expiresAt: NOW + 1000 });
        await expect(store.get(idHash, NOW + 999)).resolves.not.toBeNull();
        await expect(store.get(idHash, NOW + 1000)).resolves.toBeNull();
        await expect(store.get(idHash, NOW + 5000)).resolves.toBeNull();
      });

      it('hands out copies: changing a returned session changes nothing stored', async () => {
        const idHash = await createSession({ data: { list: [1] } });
        const first = await store.get(idHash, NOW);
        (first!.data.list as number[]).push(2);
        first!.data.added = true;
        const second = await store.get(idHash, NOW);
        expect(second!.data).toEqual({ list: [1] });
      });
    });

    describe('patch', () => {
      it('removes the unset keys, writes the set ones and leaves every other key', async () => {
        const idHash = await createSession({ data: { keep: 1, old: 2, change: 'a', nested: { x: 1, y: 2 } } });
        await expect(
          store.patch(
            idHash,
            patchOf({ set: { change: 'b', added: { z: [3] }, nested: { x: 9 } }, unset: ['old'] }),
            NOW,
          ),
        ).resolves.toBe(true);
        const stored = await store.get(idHash, NOW);
        expect(stored!.data).toEqual({ keep: 1, change: 'b', added: { z: [3] }, nested: { x: 9 } });
      });

      it('keeps the changes of concurrent patches to different keys', async () => {
        const idHash = await createSession({ data: { base: true, gone: 1 } });
        const keys = Array.from({ length: 10 }, (_, index) => `key${index}`);
        const results = await Promise.all(
          keys.map((key, index) =>
            store.patch(idHash, patchOf({ set: { [key]: index }, unset: index === 0 ? ['gone'] : [] }), NOW),
          ),
        );
        expect(results).toEqual(keys.map(() => true));
        const stored = await store.get(idHash, NOW);
        expect(stored!.data).toEqual({ base: true, ...Object.fromEntries(keys.map((key, index) => [key, index])) });
      });

      it('updates the fields it gives and leaves the others as they are', async () => {
        const idHash = await createSession({ userId: 'u1', ip: '198.51.100.1', userAgent: 'first', lifetime: 5000 });
        await store.patch(
          idHash,
          patchOf({
            lastActiveAt: NOW + 1,
            expiresAt: NOW + 2 * HOUR,
            absoluteExpiresAt: NOW + 2 * DAY,
            ip: '198.51.100.2',
          }),
          NOW,
        );
        await expect(store.get(idHash, NOW)).resolves.toEqual(
          storedSession({
            lastActiveAt: NOW + 1,
            expiresAt: NOW + 2 * HOUR,
            absoluteExpiresAt: NOW + 2 * DAY,
            userId: 'u1',
            ip: '198.51.100.2',
            userAgent: 'first',
            lifetime: 5000,
          }),
        );
      });

      it('sets the user and the lifetime, and clears them with null', async () => {
        const idHash = await createSession({ ip: '198.51.100.1' });
        await store.patch(idHash, patchOf({ userId: 'u2', lifetime: 30 * DAY, userAgent: 'second' }), NOW);
        await expect(store.get(idHash, NOW)).resolves.toMatchObject({
          userId: 'u2',
          lifetime: 30 * DAY,
          userAgent: 'second',
        });

        await store.patch(idHash, patchOf({ userId: null, lifetime: null }), NOW);
        await expect(store.get(idHash, NOW)).resolves.toMatchObject({
          userId: null,
          lifetime: null,
          ip: '198.51.100.1',
          userAgent: 'second',
        });
      });

      it('moves the session to newIdHash: the old hash stops working at once', async () => {
        const oldHash = await createSession({ data: { kept: 'yes' }, userId: 'u3' });
        const newHash = randomIdHash();
        await expect(store.patch(oldHash, patchOf({ set: { moved: true }, newIdHash: newHash }), NOW)).resolves.toBe(
          true,
        );
        await expect(store.get(oldHash, NOW)).resolves.toBeNull();
        await expect(store.get(newHash, NOW)).resolves.toMatchObject({
          data: { kept: 'yes', moved: true },
          userId: 'u3',
        });
        await expect(store.patch(oldHash, patchOf({ set: { again: true } }), NOW)).resolves.toBe(false);
      });

      it('returns false for an expired session and leaves it unchanged', async () => {
        const idHash = await createSession({ data: { before: 1 }, expiresAt: NOW + 1000 });
        await expect(
          store.patch(idHash, patchOf({ set: { after: 2 }, expiresAt: NOW + HOUR }), NOW + 1000),
        ).resolves.toBe(false);
        await expect(store.get(idHash, NOW)).resolves.toEqual(
          storedSession({ data: { before: 1 }, expiresAt: NOW + 1000 }),
        );
      });

      it('returns false for a session that does not exist, and creates none', async () => {
        const idHash = randomIdHash();
        await expect(store.patch(idHash, patchOf({ set: { x: 1 } }), NOW)).resolves.toBe(false);
        await expect(store.get(idHash, NOW)).resolves.toBeNull();
      });
    });

    describe('destroy', () => {
      it('deletes the session and leaves the others', async () => {
        const gone = await createSession();
        const other = await createSession();
        await store.destroy(gone);
        await expect(store.get(gone, NOW)).resolves.toBeNull();
        await expect(store.get(other, NOW)).resolves.not.toBeNull();
      });

      it('accepts a session that does not exist', async () => {
        await expect(store.destroy(randomIdHash())).resolves.toBeUndefined();
      });
    });

    describe('deleteExpired', () => {
      it('deletes at most `limit` expired sessions per call and returns how many', async () => {
        const live = await Promise.all([
          createSession({ expiresAt: NOW + 1 }),
          createSession({ expiresAt: NOW + DAY }),
        ]);
        // Expired at exactly NOW counts as expired, as get() no longer serves it.
        await Promise.all([0, 1, 2, MINUTE, DAY].map((ago) => createSession({ expiresAt: NOW - ago })));

        await expect(store.deleteExpired(NOW, 3)).resolves.toBe(3);
        await expect(store.deleteExpired(NOW, 3)).resolves.toBe(2);
        await expect(store.deleteExpired(NOW, 3)).resolves.toBe(0);
        for (const idHash of live) {
          await expect(store.get(idHash, NOW)).resolves.not.toBeNull();
        }
      });
    });
  });
}
