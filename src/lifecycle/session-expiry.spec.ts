import { SessionTooLargeError } from '../core/session.errors';

import {
  SECOND,
  MINUTE,
  DAY,
  START,
  EPOCH_EXPIRES,
  fakeResponse,
  fakeRequest,
  Harness,
  attributesOf,
  useFakeClock,
} from './lifecycle.harness.fixture';

describe('expiry: lifetime, rolling, idle and absolute, size limit', () => {
  const clock = useFakeClock();

  describe('lifetime (remember me)', () => {
    it('sets a persistent cookie and extends the server expiry to the lifetime', async () => {
      const harness = new Harness();
      await harness.start();
      const lifetime = 30 * DAY;
      clock.now += 10 * SECOND;
      const { session, setCookie } = await harness.visit((s) => s.setLifetime(lifetime));
      expect(attributesOf(setCookie as string)).toContain(`Max-Age=${lifetime / 1000}`);
      const stored = await harness.stored(session);
      expect(stored?.lifetime).toBe(lifetime);
      expect(stored?.expiresAt).toBe(clock.now + lifetime);
      expect(stored?.absoluteExpiresAt).toBe(clock.now + lifetime);
      clock.now += 10 * DAY;
      expect((await harness.visit()).session.get('started')).toBe(true);
    });

    it('stores a new session that only has a lifetime', async () => {
      const harness = new Harness();
      const { setCookie } = await harness.visit((s) => s.setLifetime(MINUTE));
      expect(harness.store.size).toBe(1);
      expect(attributesOf(setCookie as string)).toContain('Max-Age=60');
    });

    it('ends a lifetime session when the lifetime is over, even when active', async () => {
      const harness = new Harness();
      await harness.visit((s) => s.set('a', 1).setLifetime(MINUTE));
      clock.now += 50 * SECOND;
      expect((await harness.visit((s) => s.set('b', 2))).session.isNew).toBe(false);
      clock.now += 10 * SECOND;
      expect((await harness.visit()).session.isNew).toBe(true);
    });

    it('null goes back to a browser-session cookie and the module timeouts', async () => {
      const harness = new Harness();
      await harness.visit((s) => s.set('a', 1).setLifetime(30 * DAY));
      clock.now += MINUTE;
      const { session, setCookie } = await harness.visit((s) => s.setLifetime(null));
      expect(setCookie).toBeDefined();
      expect(setCookie).not.toMatch(/Max-Age|Expires/);
      const stored = await harness.stored(session);
      expect(stored?.lifetime).toBeNull();
      expect(stored?.absoluteExpiresAt).toBe(START + 7 * DAY);
      expect(stored?.expiresAt).toBe(clock.now + DAY);
    });
  });

  describe('rolling expiry', () => {
    const idleTimeout = 1000;

    it('extends the expiry only once a quarter of the idle timeout has passed', async () => {
      const harness = new Harness({ idleTimeout, absoluteTimeout: 10_000 });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      clock.now = START + 249;
      await harness.visit();
      expect(patch).not.toHaveBeenCalled();
      expect((await harness.stored(session))?.expiresAt).toBe(START + idleTimeout);
      clock.now = START + 250;
      const { setCookie } = await harness.visit();
      expect(patch).toHaveBeenCalledTimes(1);
      expect(patch.mock.calls[0][1]).toEqual({
        set: {},
        unset: [],
        lastActiveAt: clock.now,
        expiresAt: clock.now + idleTimeout,
      });
      expect(setCookie).toBeUndefined();
      expect(await harness.stored(session)).toMatchObject({
        lastActiveAt: clock.now,
        expiresAt: clock.now + idleTimeout,
      });
    });

    it('keeps an active session alive past the idle timeout', async () => {
      const harness = new Harness({ idleTimeout, absoluteTimeout: 10_000 });
      await harness.start();
      for (let step = 1; step <= 5; step++) {
        clock.now = START + step * 600;
        expect((await harness.visit()).session.isNew).toBe(false);
      }
    });

    it('never extends beyond the absolute timeout, and then stops writing', async () => {
      const absoluteTimeout = 2000;
      const harness = new Harness({ idleTimeout, absoluteTimeout });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      for (const at of [600, 1200, 1800]) {
        clock.now = START + at;
        await harness.visit();
        const stored = await harness.stored(session);
        expect(stored?.expiresAt).toBe(Math.min(clock.now + idleTimeout, START + absoluteTimeout));
        expect(stored?.absoluteExpiresAt).toBe(START + absoluteTimeout);
      }
      expect(patch).toHaveBeenCalledTimes(2);
      clock.now = START + 1999;
      expect((await harness.visit()).session.isNew).toBe(false);
      clock.now = START + absoluteTimeout;
      expect((await harness.visit()).session.isNew).toBe(true);
    });

    it('does not extend the expiry with rolling false, unless the session changes', async () => {
      const harness = new Harness({ idleTimeout, rolling: false });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      clock.now = START + 900;
      await harness.visit();
      expect(patch).not.toHaveBeenCalled();
      clock.now = START + idleTimeout;
      expect((await harness.visit()).session.isNew).toBe(true);
      expect(await harness.stored(session)).toBeNull();
    });

    it('leaves the expiry alone on a data write within the quarter (a HOT update), but records the activity', async () => {
      const harness = new Harness({ idleTimeout, absoluteTimeout: 10_000 });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      clock.now = START + 100;
      await harness.visit((s) => s.set('a', 1));
      expect(patch.mock.calls[0][1]).toEqual({ set: { a: 1 }, unset: [], lastActiveAt: clock.now });
      expect(await harness.stored(session)).toMatchObject({ lastActiveAt: clock.now, expiresAt: START + idleTimeout });
      clock.now = START + 250;
      await harness.visit((s) => s.set('a', 2));
      expect(patch.mock.calls[1][1]).toMatchObject({ lastActiveAt: clock.now, expiresAt: clock.now + idleTimeout });
    });

    it('with rolling false, a change extends the expiry (once a quarter has passed) and a read does not', async () => {
      const harness = new Harness({ idleTimeout, rolling: false });
      const session = await harness.start();
      clock.now = START + 300;
      await harness.visit();
      expect((await harness.stored(session))?.expiresAt).toBe(START + idleTimeout);
      await harness.visit((s) => s.set('a', 1));
      expect((await harness.stored(session))?.expiresAt).toBe(clock.now + idleTimeout);
    });

    it('touch() writes the new expiry at once', async () => {
      const harness = new Harness({ idleTimeout });
      const session = await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      clock.now = START + 10;
      await harness.visit((s) => s.touch());
      expect(patch).toHaveBeenCalledTimes(1);
      expect((await harness.stored(session))?.expiresAt).toBe(clock.now + idleTimeout);
    });
  });

  describe('expiry', () => {
    it('does not load a session idle for the idle timeout, and clears its cookie', async () => {
      const harness = new Harness({ idleTimeout: 1000 });
      await harness.start({ a: 1 });
      clock.now = START + 1000;
      const { session, setCookie } = await harness.visit();
      expect(session.isNew).toBe(true);
      expect(session.toJSON()).toEqual({});
      expect(setCookie).toContain(EPOCH_EXPIRES);
    });

    it('does not load a session past its absolute timeout', async () => {
      const harness = new Harness({ idleTimeout: 1000, absoluteTimeout: 1500 });
      await harness.start({ a: 1 });
      clock.now = START + 900;
      expect((await harness.visit((s) => s.set('a', 2))).session.isNew).toBe(false);
      clock.now = START + 1500;
      expect((await harness.visit()).session.isNew).toBe(true);
    });

    it('does not load a session whose stored expiry passed even if the store returns it', async () => {
      const harness = new Harness();
      const session = await harness.start({ a: 1 });
      const stale = { ...(await harness.stored(session))!, expiresAt: START - 1 };
      jest.spyOn(harness.store, 'get').mockResolvedValue(stale);
      expect((await harness.visit()).session.isNew).toBe(true);
    });
  });

  describe('size limit', () => {
    it('refuses a new session over maxSessionBytes and writes nothing', async () => {
      const harness = new Harness({ maxSessionBytes: 100 });
      const create = jest.spyOn(harness.store, 'create');
      const request = fakeRequest();
      const response = fakeResponse();
      (await harness.manager.load(request)).set('big', 'x'.repeat(100));
      const failure = harness.manager.commit(request, response);
      await expect(failure).rejects.toThrow(SessionTooLargeError);
      await expect(failure).rejects.toMatchObject({ limit: 100 });
      expect(create).not.toHaveBeenCalled();
      expect(response.setCookies).toEqual([]);
    });

    it('refuses a change that makes a stored session too large and keeps the stored data', async () => {
      const harness = new Harness({ maxSessionBytes: 100 });
      const first = await harness.start({ small: 1 });
      const patch = jest.spyOn(harness.store, 'patch');
      const request = fakeRequest(harness.cookie);
      (await harness.manager.load(request)).set('big', 'x'.repeat(100));
      await expect(harness.manager.commit(request, fakeResponse())).rejects.toThrow(SessionTooLargeError);
      expect(patch).not.toHaveBeenCalled();
      expect((await harness.stored(first))?.data).toEqual({ small: 1 });
    });

    it('accepts a session of exactly maxSessionBytes', async () => {
      const harness = new Harness({ maxSessionBytes: 100 });
      const overhead = JSON.stringify({ big: '' }).length;
      await harness.visit((s) => s.set('big', 'x'.repeat(100 - overhead)));
      expect(harness.store.size).toBe(1);
    });
  });
});
