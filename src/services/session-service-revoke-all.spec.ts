import { Logger } from '@nestjs/common';
import { SessionStoreUnavailableError } from '../core/session.errors';
import { SessionService } from './session.service';
import { MINUTE, NOW, Fixture } from './session.service.fixture';

describe('SessionService', () => {
  let fixture: Fixture;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    fixture = new Fixture();
  });

  afterEach(() => jest.restoreAllMocks());

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
