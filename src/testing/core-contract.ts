import type { SessionWriteOptions } from '../store/session-store.interface';
import type { StoredSession } from '../store/stored-session.interface';
import type { ContractContext, FullSessionStore } from './contract-context';
import { DAY, HOUR, NOW, patchOf, randomHandle, randomIdHash } from './fixtures';

/** The core contract: get, create, patch, destroy. */
export function describeCoreContract(ctx: ContractContext): void {
  let store: FullSessionStore;
  const { createStored, createSession, read } = ctx;
  beforeEach(() => {
    store = ctx.store();
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
      await store.create(idHash, session, { now: NOW });
      await expect(read(idHash)).resolves.toEqual(session);
    });

    it('round-trips the nullable fields as null', async () => {
      const session = await createStored();
      const { idHash, ...stored } = session;
      await expect(read(idHash)).resolves.toEqual(stored);
    });

    it('returns null for a session that was never stored', async () => {
      await expect(store.get(randomIdHash())).resolves.toBeNull();
    });

    it('returns an expired session as it is: the caller checks expiresAt (and reports the expiry)', async () => {
      const { idHash, ...expired } = await createStored({ expiresAt: NOW - DAY, data: { old: true } });
      await expect(read(idHash)).resolves.toEqual(expired);
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
      await expect(read(idHash)).resolves.toEqual({
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
  });

  describe('renewal: keepPreviousFor', () => {
    it('lets the replaced hash find the session until then, saying so in previousIdUntil; the new hash does not', async () => {
      const { idHash: oldHash, handle } = await createStored({ data: { kept: 'yes' } });
      const newHash = randomIdHash();
      const issuedAt = Date.now();
      const renewal = patchOf({ newIdHash: newHash, idIssuedAt: issuedAt, keepPreviousFor: 60_000, ifIdHash: oldHash });
      await expect(store.patch(handle, renewal, { now: NOW })).resolves.toBe(newHash);
      const byOld = await store.get(oldHash);
      expect(byOld).toMatchObject({ handle, data: { kept: 'yes' } });
      expect(byOld?.previousIdUntil).toBeGreaterThanOrEqual(issuedAt + 60_000 - 1);
      expect(byOld?.previousIdUntil).toBeLessThanOrEqual(issuedAt + 60_000 + 1);
      expect((await store.get(newHash))?.previousIdUntil).toBeUndefined();
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
}
