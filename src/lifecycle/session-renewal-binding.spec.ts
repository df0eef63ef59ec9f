import {
  SECOND,
  MINUTE,
  START,
  EPOCH_EXPIRES,
  fakeResponse,
  Client,
  fakeRequest,
  Harness,
  alice,
  sign,
  useFakeClock,
} from './lifecycle.harness.fixture';

describe('renewal, binding and the client address', () => {
  const clock = useFakeClock();

  describe('renewAfter', () => {
    it('changes nothing and writes nothing before renewAfter has passed', async () => {
      const harness = new Harness({ renewAfter: MINUTE });
      const first = await harness.start({ cart: ['x'] });
      const patch = jest.spyOn(harness.store, 'patch');
      clock.now = START + MINUTE - 1;
      const { session, setCookie } = await harness.visit();
      expect(session.id).toBe(first.id);
      expect(setCookie).toBeUndefined();
      expect(patch).not.toHaveBeenCalled();
      expect(harness.types()).toEqual(['created']);
    });

    it('gives the session a new ID on the first request after renewAfter, keeping its data; the old ID dies after the grace period', async () => {
      const harness = new Harness({ renewAfter: MINUTE });
      const first = await harness.start({ cart: ['x'] });
      const oldCookie = harness.cookie;
      clock.now = START + MINUTE;
      const { session, setCookie } = await harness.visit();
      expect(session.id).not.toBe(first.id);
      expect(session.handle).toBe(first.handle);
      expect(setCookie?.split(';')[0]).toBe(`__Host-sid=${sign(session.id)}`);
      expect(harness.store.size).toBe(1);
      expect(await harness.stored(session)).toMatchObject({
        data: { cart: ['x'] },
        createdAt: START,
        idIssuedAt: clock.now,
      });
      expect(harness.types()).toEqual(['created', 'renewed']);
      expect(harness.emitted[1]).toMatchObject({ handle: first.handle, userId: null });
      // A request sent with the old cookie before the renewal answered still reaches the session, without a new cookie.
      const inFlight = await harness.browser({}, oldCookie).visit();
      expect(inFlight.session.handle).toBe(first.handle);
      expect(inFlight.setCookie).toBeUndefined();
      clock.now += 10 * SECOND + 1;
      const stale = await harness.browser({}, oldCookie).visit();
      expect(stale.session.isNew).toBe(true);
      expect(stale.session.toJSON()).toEqual({});
      expect((await harness.visit()).session.get('cart')).toEqual(['x']);
    });

    it('counts from the last new ID: the renewal itself, or a login', async () => {
      const harness = new Harness({ renewAfter: MINUTE });
      const first = await harness.start();
      clock.now = START + MINUTE;
      const renewed = (await harness.visit()).session.id;
      expect(renewed).not.toBe(first.id);
      clock.now = START + 2 * MINUTE - 1;
      expect((await harness.visit()).session.id).toBe(renewed);
      const loggedIn = (await harness.visit((s) => s.login(alice))).session.id;
      clock.now = START + 3 * MINUTE - 2;
      expect((await harness.visit()).session.id).toBe(loggedIn);
      clock.now = START + 3 * MINUTE - 1;
      expect((await harness.visit()).session.id).not.toBe(loggedIn);
      expect(harness.types().filter((type) => type === 'renewed')).toHaveLength(2);
    });

    it('lets a parallel request that lost the race to renew keep the cookie the winner sent', async () => {
      const harness = new Harness({ renewAfter: MINUTE });
      await harness.start({ cart: ['x'] });
      clock.now = START + MINUTE;
      const [first, second] = [harness.browser({}, harness.cookie), harness.browser({}, harness.cookie)];
      // Both load with the old ID before either commits, as two requests of one page would.
      const requests = [fakeRequest(first.cookie), fakeRequest(second.cookie)];
      const responses = [fakeResponse(), fakeResponse()];
      const sessions = await Promise.all(requests.map((request) => harness.manager.load(request)));
      expect(sessions.every((session) => session.renewing)).toBe(true);
      await harness.manager.commit(requests[0], responses[0]);
      await harness.manager.commit(requests[1], responses[1]);
      expect(responses[0].setCookies).toHaveLength(1);
      expect(responses[1].setCookies).toEqual([]);
      const winner = responses[0].setCookies[0].split(';')[0];
      expect((await harness.browser({}, winner).visit()).session.get('cart')).toEqual(['x']);
      expect(harness.types().filter((type) => type === 'renewed')).toHaveLength(1);
    });
  });

  describe('bind', () => {
    const HOME: Client = { ip: '198.51.100.1', userAgent: 'Firefox/130' };

    it.each([
      ['IP address', { ip: true }, { ip: '192.0.2.66' }],
      ['user agent', { userAgent: true }, { userAgent: 'curl/8.5' }],
    ])(
      'destroys a session presented from another %s and serves that request anonymously',
      async (_label, bind, elsewhere) => {
        const harness = new Harness({ bind });
        const home = harness.browser(HOME);
        const { session: original } = await home.visit((s) => s.login(alice));
        const thief = harness.browser({ ...HOME, ...elsewhere }, home.cookie);
        const { session, setCookie } = await thief.visit();
        expect(session.isNew).toBe(true);
        expect(session.user).toBeNull();
        expect(setCookie).toContain(EPOCH_EXPIRES);
        expect(harness.store.size).toBe(0);
        expect(harness.emitted.at(-1)).toEqual({
          type: 'rejected',
          reason: 'binding',
          handle: original.handle,
          userId: 'u-alice',
          tenant: '',
          ip: thief.client.ip,
          userAgent: thief.client.userAgent,
          at: expect.any(Date),
        });
        expect((await home.visit()).session.isNew).toBe(true);
      },
    );

    it.each([
      ['IP address', { ip: true }],
      ['user agent', { userAgent: true }],
      ['IP address and user agent', { ip: true, userAgent: true }],
    ])('serves a session bound to the %s when presented by the same client', async (_label, bind) => {
      const harness = new Harness({ bind });
      const home = harness.browser(HOME);
      await home.visit((s) => s.login(alice));
      expect((await home.visit()).session.user).toEqual(alice);
      expect(harness.types()).not.toContain('rejected');
    });

    it('checks only what it is bound to', async () => {
      const harness = new Harness({ bind: { ip: true } });
      const home = harness.browser(HOME);
      await home.visit((s) => s.login(alice));
      const newBrowser = harness.browser({ ...HOME, userAgent: 'Chrome/128' }, home.cookie);
      expect((await newBrowser.visit()).session.user).toEqual(alice);
    });

    it('binds to the client of the login rather than of the creation', async () => {
      const harness = new Harness({ bind: { ip: true } });
      const phone = harness.browser({ ip: '192.0.2.10' });
      await phone.visit((s) => s.set('cart', ['x']));
      const movedPhone = harness.browser({ ip: '192.0.2.10' }, phone.cookie);
      await movedPhone.visit((s) => s.login(alice));
      expect((await movedPhone.visit()).session.user).toEqual(alice);
    });
  });

  describe('client address and user agent', () => {
    // The leftmost address is whatever the client wrote; the proxies at 10.0.0.x appended the rest.
    const BEHIND_PROXY: Client = {
      ip: '10.0.0.2',
      headers: { 'x-forwarded-for': '192.0.2.66, 198.51.100.9, 10.0.0.1' },
    };

    it('takes the IP from the rightmost X-Forwarded-For address that trustProxy does not trust', async () => {
      const harness = new Harness({ trustProxy: 'uniquelocal' });
      const { session } = await harness.browser(BEHIND_PROXY).visit((s) => s.set('a', 1));
      expect((await harness.stored(session))?.ip).toBe('198.51.100.9');
    });

    it('ignores X-Forwarded-For without trustProxy', async () => {
      const harness = new Harness();
      const { session } = await harness.browser(BEHIND_PROXY).visit((s) => s.set('a', 1));
      expect((await harness.stored(session))?.ip).toBe('10.0.0.2');
    });

    it('takes the socket address with trustProxy when there is no X-Forwarded-For', async () => {
      const harness = new Harness({ trustProxy: 'uniquelocal' });
      const { session } = await harness.browser({ ip: '10.0.0.2' }).visit((s) => s.set('a', 1));
      expect((await harness.stored(session))?.ip).toBe('10.0.0.2');
    });

    it('records the IP and user agent of the login request, and keeps them on later requests', async () => {
      const harness = new Harness();
      const atHome = harness.browser({ ip: '198.51.100.1', userAgent: 'Firefox/130' });
      const { session: created } = await atHome.visit((s) => s.set('cart', ['x']));
      expect(await harness.stored(created)).toMatchObject({ ip: '198.51.100.1', userAgent: 'Firefox/130' });
      const atWork = harness.browser({ ip: '192.0.2.20', userAgent: 'Safari/17' }, atHome.cookie);
      const { session } = await atWork.visit((s) => s.login(alice));
      expect(await harness.stored(session)).toMatchObject({ ip: '192.0.2.20', userAgent: 'Safari/17' });
      expect(harness.emitted.at(-1)).toMatchObject({ type: 'logged-in', ip: '192.0.2.20', userAgent: 'Safari/17' });
      const elsewhere = harness.browser({ ip: '203.0.113.99', userAgent: 'Edge/120' }, atWork.cookie);
      const { session: later } = await elsewhere.visit((s) => s.set('more', 1));
      expect(await harness.stored(later)).toMatchObject({ ip: '192.0.2.20', userAgent: 'Safari/17' });
    });
  });
});
