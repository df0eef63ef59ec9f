import { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { SessionStoreUnavailableError } from '../core/session.errors';
import type { SessionEvent } from '../events/session-event.interface';
import { SessionEventPublisher } from '../events/session-event-publisher';
import { BoundedStore } from '../store/bounded-store';
import { SessionStoreHealth } from '../store/session-store-health';
import { resolveSessionOptions } from '../module/session-options';
import { SessionService } from './session.service';
import { SessionSigner } from '../core/session-signer';
import { MemorySessionStore } from '../store/memory-session.store';

const SECRET = 'service-secret-0123456789-abcdefghijk';
const MINUTE = 60_000;
const NOW = 1_700_000_000_000;

interface SessionSpec {
  userId: string | null;
  tenant?: string;
  /** Milliseconds since the last activity. */
  idle?: number;
  /** Milliseconds until the session expires; 0 or less: expired already. */
  expiresIn?: number;
  ip?: string;
  userAgent?: string;
}

/** A SessionService on a MemorySessionStore, with the events it publishes and every ID and hash it stored. */
class Fixture {
  readonly store = new MemorySessionStore();
  readonly events = new SessionEventPublisher({} as ModuleRef);
  readonly service = new SessionService(
    new BoundedStore(resolveSessionOptions({ secret: SECRET, storeTimeout: 50 }), this.store, new SessionStoreHealth()),
    this.events,
  );
  readonly emitted: SessionEvent[] = [];
  /** Session IDs and their stored hashes: what a listing must never show. */
  readonly secrets: string[] = [];

  constructor() {
    this.events.events$.subscribe((event) => this.emitted.push(event));
  }

  /** Stores a session as the manager would and returns its handle. */
  async add({
    userId,
    tenant = '',
    idle = 0,
    expiresIn = MINUTE,
    ip = '198.51.100.1',
    userAgent = 'Firefox',
  }: SessionSpec) {
    const id = SessionSigner.generateId();
    const idHash = SessionSigner.hashId(id, tenant);
    const handle = SessionSigner.generateHandle();
    await this.store.create(idHash, {
      handle,
      tenant,
      data: userId === null ? {} : { __user: { id: userId, roles: [] } },
      createdAt: NOW - 10 * MINUTE,
      lastActiveAt: NOW - idle,
      idIssuedAt: NOW - idle,
      expiresAt: NOW + expiresIn,
      absoluteExpiresAt: NOW + 60 * MINUTE,
      lifetime: null,
      userId,
      ip,
      userAgent,
    });
    this.secrets.push(id, idHash);
    return handle;
  }

  async handles(userId: string, tenant?: string): Promise<string[]> {
    return (await this.service.list(userId, { tenant })).map((info) => info.handle);
  }
}

describe('SessionService', () => {
  let fixture: Fixture;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    fixture = new Fixture();
  });

  afterEach(() => jest.restoreAllMocks());

  describe('list', () => {
    it("lists only the user's live sessions, most recently active first", async () => {
      const older = await fixture.add({ userId: 'alice', idle: 5 * MINUTE });
      const newest = await fixture.add({ userId: 'alice', idle: 0 });
      const middle = await fixture.add({ userId: 'alice', idle: MINUTE });
      await fixture.add({ userId: 'alice', expiresIn: 0 });
      await fixture.add({ userId: 'bob' });
      await fixture.add({ userId: null });
      expect(await fixture.handles('alice')).toEqual([newest, middle, older]);
    });

    it('describes each session by handle, times as dates, IP and user agent', async () => {
      const handle = await fixture.add({ userId: 'alice', idle: MINUTE, ip: '192.0.2.7', userAgent: 'Safari/17' });
      expect(await fixture.service.list('alice')).toEqual([
        {
          handle,
          createdAt: new Date(NOW - 10 * MINUTE),
          lastActiveAt: new Date(NOW - MINUTE),
          expiresAt: new Date(NOW + MINUTE),
          ip: '192.0.2.7',
          userAgent: 'Safari/17',
        },
      ]);
    });

    it('shows neither session IDs nor their stored hashes', async () => {
      await fixture.add({ userId: 'alice' });
      await fixture.add({ userId: 'alice', tenant: 'acme' });
      const listings = JSON.stringify([
        await fixture.service.list('alice'),
        await fixture.service.list('alice', { tenant: 'acme' }),
      ]);
      expect(fixture.secrets).toHaveLength(4);
      for (const secret of fixture.secrets) {
        expect(listings).not.toContain(secret);
      }
    });

    it('stays within the tenant, no tenant being a tenant of its own', async () => {
      const plain = await fixture.add({ userId: 'alice' });
      const acme = await fixture.add({ userId: 'alice', tenant: 'acme' });
      const globex = await fixture.add({ userId: 'alice', tenant: 'globex' });
      expect(await fixture.handles('alice')).toEqual([plain]);
      expect(await fixture.handles('alice', 'acme')).toEqual([acme]);
      expect(await fixture.handles('alice', 'globex')).toEqual([globex]);
    });

    it('is empty for a user without sessions', async () => {
      expect(await fixture.service.list('nobody')).toEqual([]);
    });
  });

  describe('count', () => {
    it("counts the user's live sessions in the tenant", async () => {
      await fixture.add({ userId: 'alice' });
      await fixture.add({ userId: 'alice' });
      await fixture.add({ userId: 'alice', expiresIn: 0 });
      await fixture.add({ userId: 'alice', tenant: 'acme' });
      await fixture.add({ userId: 'bob' });
      expect(await fixture.service.count('alice')).toBe(2);
      expect(await fixture.service.count('alice', { tenant: 'acme' })).toBe(1);
      expect(await fixture.service.count('nobody')).toBe(0);
    });
  });

  describe('revoke', () => {
    it('deletes the session with that handle, leaves the others and says so', async () => {
      const phone = await fixture.add({ userId: 'alice' });
      const laptop = await fixture.add({ userId: 'alice' });
      expect(await fixture.service.revoke('alice', phone)).toBe(true);
      expect(await fixture.handles('alice')).toEqual([laptop]);
      expect(fixture.store.size).toBe(1);
      expect(await fixture.service.revoke('alice', phone)).toBe(false);
    });

    it('publishes a revoked event describing the revoked session', async () => {
      const handle = await fixture.add({ userId: 'alice', tenant: 'acme', ip: '192.0.2.7', userAgent: 'Safari/17' });
      await fixture.service.revoke('alice', handle, { tenant: 'acme' });
      expect(fixture.emitted).toEqual([
        {
          type: 'revoked',
          reason: 'revoked',
          handle,
          userId: 'alice',
          tenant: 'acme',
          ip: '192.0.2.7',
          userAgent: 'Safari/17',
          at: expect.any(Date),
        },
      ]);
    });

    it("refuses another user's handle, or another tenant's, and deletes nothing", async () => {
      const bobs = await fixture.add({ userId: 'bob' });
      const acme = await fixture.add({ userId: 'alice', tenant: 'acme' });
      expect(await fixture.service.revoke('alice', bobs)).toBe(false);
      expect(await fixture.service.revoke('alice', acme)).toBe(false);
      expect(await fixture.service.revoke('alice', acme, { tenant: 'globex' })).toBe(false);
      expect(await fixture.service.revoke('alice', 'no-such-handle')).toBe(false);
      expect(fixture.store.size).toBe(2);
      expect(fixture.emitted).toEqual([]);
    });
  });

  describe('revokeAll', () => {
    it("without a tenant, deletes every session of the user in every tenant and tells how many, leaving everyone else's", async () => {
      await fixture.add({ userId: 'alice' });
      await fixture.add({ userId: 'alice' });
      const bobs = await fixture.add({ userId: 'bob' });
      await fixture.add({ userId: 'alice', tenant: 'acme' });
      expect(await fixture.service.revokeAll('alice')).toBe(3);
      expect(await fixture.service.count('alice')).toBe(0);
      expect(await fixture.handles('bob')).toEqual([bobs]);
      expect(await fixture.handles('alice', 'acme')).toEqual([]);
      expect(fixture.emitted.map(({ type, reason, userId }) => [type, reason, userId])).toEqual([
        ['revoked', 'revoked', 'alice'],
        ['revoked', 'revoked', 'alice'],
        ['revoked', 'revoked', 'alice'],
      ]);
    });

    it('keeps the session named by except', async () => {
      const current = await fixture.add({ userId: 'alice' });
      const others = [await fixture.add({ userId: 'alice', idle: MINUTE }), await fixture.add({ userId: 'alice' })];
      expect(await fixture.service.revokeAll('alice', { except: current })).toBe(2);
      expect(await fixture.handles('alice')).toEqual([current]);
      expect(fixture.emitted.map((event) => event.handle).sort()).toEqual(others.sort());
    });

    it('revokes within the given tenant only', async () => {
      const plain = await fixture.add({ userId: 'alice' });
      await fixture.add({ userId: 'alice', tenant: 'acme' });
      expect(await fixture.service.revokeAll('alice', { tenant: 'acme' })).toBe(1);
      expect(await fixture.handles('alice')).toEqual([plain]);
      expect(fixture.emitted[0]).toMatchObject({ tenant: 'acme' });
    });

    it('deletes expired sessions too but counts and announces only the live ones', async () => {
      const live = await fixture.add({ userId: 'alice' });
      await fixture.add({ userId: 'alice', expiresIn: 0 });
      expect(await fixture.service.revokeAll('alice')).toBe(1);
      expect(fixture.store.size).toBe(0);
      expect(fixture.emitted.map((event) => event.handle)).toEqual([live]);
    });

    it("revoke() of an expired session's handle answers false and announces nothing", async () => {
      const expired = await fixture.add({ userId: 'alice', expiresIn: 0 });
      expect(await fixture.service.revoke('alice', expired)).toBe(false);
      expect(fixture.emitted).toEqual([]);
    });

    it('answers 0 and publishes nothing for a user without sessions', async () => {
      expect(await fixture.service.revokeAll('nobody')).toBe(0);
      expect(fixture.emitted).toEqual([]);
    });
  });

  describe('store failures', () => {
    const calls: Array<
      [string, 'listByUser' | 'destroyByHandle' | 'destroyByUser', (service: SessionService) => Promise<unknown>]
    > = [
      ['list', 'listByUser', (service) => service.list('alice')],
      ['count', 'listByUser', (service) => service.count('alice')],
      ['revoke', 'destroyByHandle', (service) => service.revoke('alice', 'some-handle')],
      ['revokeAll', 'destroyByUser', (service) => service.revokeAll('alice')],
    ];

    it.each(calls)('%s fails with SessionStoreUnavailableError when the store rejects', async (_name, method, call) => {
      const cause = new Error('ECONNREFUSED');
      (jest.spyOn(fixture.store, method) as jest.SpyInstance).mockRejectedValue(cause);
      const failure = call(fixture.service);
      await expect(failure).rejects.toThrow(SessionStoreUnavailableError);
      await expect(failure).rejects.toMatchObject({ cause });
    });

    it.each(calls)(
      '%s fails with SessionStoreUnavailableError when the store hangs past storeTimeout',
      async (_name, method, call) => {
        (jest.spyOn(fixture.store, method) as jest.SpyInstance).mockReturnValue(new Promise(() => undefined));
        await expect(call(fixture.service)).rejects.toThrow(/did not answer within 50 ms/);
      },
    );
  });
});
