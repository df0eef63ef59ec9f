import { SessionLimitExceededError } from '../core/session.errors';
import type { SessionModuleOptions } from '../module/session-module-options.interface';

import {
  SECOND,
  MINUTE,
  START,
  fakeResponse,
  fakeRequest,
  Harness,
  alice,
  bob,
  useFakeClock,
} from './lifecycle.harness.fixture';

describe('maxSessionsPerUser', () => {
  const clock = useFakeClock();

  describe('maxSessionsPerUser', () => {
    /** Logs `user` in on a new device named by its user agent; returns the device and its session's handle. */
    async function loginOn(harness: Harness, device: string, user = alice) {
      const browser = harness.browser({ userAgent: device });
      const { session } = await browser.visit((s) => s.login(user));
      return { browser, handle: session.handle };
    }

    describe('evict-oldest (the default policy)', () => {
      it('deletes the least recently active other session after a login, keeping the new one', async () => {
        const harness = new Harness({ maxSessionsPerUser: 2 });
        const laptop = await loginOn(harness, 'laptop');
        clock.now += SECOND;
        const phone = await loginOn(harness, 'phone');
        clock.now += SECOND;
        await laptop.browser.visit((s) => s.set('seen', true));
        const bobsPhone = await loginOn(harness, 'bob-phone', bob);
        clock.now += SECOND;
        const tablet = await loginOn(harness, 'tablet');
        const revoked = harness.emitted.filter((event) => event.type === 'revoked');
        expect(revoked).toEqual([
          expect.objectContaining({
            reason: 'session-limit',
            handle: phone.handle,
            userId: 'u-alice',
            userAgent: 'phone',
          }),
        ]);
        expect((await phone.browser.visit()).session.user).toBeNull();
        expect((await laptop.browser.visit()).session.user).toEqual(alice);
        expect((await tablet.browser.visit()).session.user).toEqual(alice);
        expect((await bobsPhone.browser.visit()).session.user).toEqual(bob);
      });

      it('deletes as many sessions as needed to get back to the limit', async () => {
        const unlimited = new Harness();
        const old = [];
        for (const device of ['one', 'two', 'three']) {
          clock.now += SECOND;
          old.push(await loginOn(unlimited, device));
        }
        const harness = new Harness({ maxSessionsPerUser: 2 }, unlimited.store);
        clock.now += SECOND;
        const newest = await loginOn(harness, 'four');
        const revoked = harness.emitted.filter((event) => event.type === 'revoked').map((event) => event.handle);
        expect(revoked.sort()).toEqual([old[0].handle, old[1].handle].sort());
        expect(harness.store.size).toBe(2);
        expect((await old[2].browser.visit()).session.user).toEqual(alice);
        expect((await newest.browser.visit()).session.user).toEqual(alice);
      });

      it('does not count a session that logs in again against itself', async () => {
        const harness = new Harness({ maxSessionsPerUser: 2 });
        const laptop = await loginOn(harness, 'laptop');
        const phone = await loginOn(harness, 'phone');
        clock.now += SECOND;
        await laptop.browser.visit((s) => s.login(alice));
        expect(harness.types()).not.toContain('revoked');
        expect((await phone.browser.visit()).session.user).toEqual(alice);
        expect((await laptop.browser.visit()).session.user).toEqual(alice);
      });
    });

    describe('refuse', () => {
      const refuse: Partial<SessionModuleOptions> = { maxSessionsPerUser: 2, sessionLimitPolicy: 'refuse' };

      it('refuses a login beyond the limit with SessionLimitExceededError and writes nothing', async () => {
        const harness = new Harness(refuse);
        const laptop = await loginOn(harness, 'laptop');
        const phone = await loginOn(harness, 'phone');
        const tablet = harness.browser({ userAgent: 'tablet' });
        const { session: anonymous } = await tablet.visit((s) => s.set('cart', ['x']));
        const patch = jest.spyOn(harness.store, 'patch');
        const eventsBefore = harness.emitted.length;
        const request = fakeRequest(tablet.cookie, tablet.client);
        const response = fakeResponse();
        (await harness.manager.load(request)).login(alice);
        const failure = harness.manager.commit(request, response);
        await expect(failure).rejects.toThrow(SessionLimitExceededError);
        await expect(failure).rejects.toMatchObject({ limit: 2 });
        // The store is asked to write only under the limit, so it checks and writes in one step.
        expect(patch).toHaveBeenCalledTimes(1);
        expect(patch.mock.calls[0][2].limit).toEqual({ userId: alice.id, tenant: '', max: 2, now: clock.now });
        expect(response.setCookies).toEqual([]);
        expect(harness.emitted.slice(eventsBefore)).toEqual([]);
        expect(await harness.stored(anonymous)).toMatchObject({ userId: null, data: { cart: ['x'] } });
        expect((await laptop.browser.visit()).session.user).toEqual(alice);
        expect((await phone.browser.visit()).session.user).toEqual(alice);
      });

      it('refuses a login on a new session without storing it', async () => {
        const harness = new Harness(refuse);
        await loginOn(harness, 'laptop');
        await loginOn(harness, 'phone');
        await expect(loginOn(harness, 'tablet')).rejects.toThrow(SessionLimitExceededError);
        expect(harness.store.size).toBe(2);
      });

      it('lets a session that is already counted log in again', async () => {
        const harness = new Harness(refuse);
        const laptop = await loginOn(harness, 'laptop');
        await loginOn(harness, 'phone');
        await expect(laptop.browser.visit((s) => s.login(alice))).resolves.toBeDefined();
        expect((await laptop.browser.visit()).session.user).toEqual(alice);
      });

      it('counts only live sessions, and only the same user', async () => {
        const harness = new Harness({ ...refuse, idleTimeout: MINUTE });
        await loginOn(harness, 'laptop');
        clock.now += SECOND;
        await loginOn(harness, 'phone');
        await loginOn(harness, 'bob-laptop', bob);
        await loginOn(harness, 'bob-phone', bob);
        clock.now = START + MINUTE;
        await expect(loginOn(harness, 'tablet')).resolves.toBeDefined();
      });
    });
  });
});
