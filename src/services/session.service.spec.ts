import { Logger } from '@nestjs/common';
import { MINUTE, NOW, Fixture } from './session.service.fixture';

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
});
