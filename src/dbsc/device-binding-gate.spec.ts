import { RESERVED_DBSC_KEY } from '../core/session.constants';
import type { RequestSession } from '../core/request-session';
import type { SessionModuleOptions } from '../module/session-module-options.interface';
import {
  alice,
  fakeRequest,
  fakeResponse,
  Harness,
  MINUTE,
  useFakeClock,
} from '../lifecycle/lifecycle.harness.fixture';
import { SessionSigner } from '../core/session-signer';
import { SECRET } from '../lifecycle/lifecycle.harness.fixture';
import { dbscRecordOf } from './dbsc-record';
import { deviceKey } from './dbsc-proof.fixture';
import { DeviceCookie } from './device-cookie';

const key = deviceKey('ES256');
const SHORT = '__Host-sidb';

/** A harness with DBSC on, and a logged-in session bound (as a registration binds it) to `bindingId`. */
async function boundSession(options: Partial<SessionModuleOptions> = {}, bindingId = 'b-1') {
  const harness = new Harness({ dbsc: {}, ...options });
  const session = await harness.start();
  await harness.visit((s) => s.login(alice));
  const binding = { id: bindingId, alg: 'ES256', jwk: key.publicJwk };
  await harness.store.patch(
    session.handle,
    { set: { [RESERVED_DBSC_KEY]: { binding, challenges: [] } }, unset: [] },
    { now: Date.now(), maxBytes: 1e6 },
  );
  const cookie = new DeviceCookie(harness.manager.options);
  return {
    harness,
    handle: session.handle,
    shortCookie: (id = bindingId) => `${SHORT}=${cookie.issue(session.handle, id, Date.now())}`,
  };
}

describe('device binding enforcement (DBSC) in the loader', () => {
  const clock = useFakeClock();

  it('serves an unbound session on its cookie alone, as without DBSC', async () => {
    const harness = new Harness({ dbsc: {} });
    await harness.start();
    await harness.visit((s) => s.login(alice));
    const { session } = await harness.visit();
    expect([session.isAuthenticated, session.deviceBound]).toEqual([true, false]);
  });

  it('serves a bound session with its short-lived cookie', async () => {
    const { harness, shortCookie } = await boundSession();
    const { session, setCookie } = await harness.send(undefined, `${harness.cookie}; ${shortCookie()}`, {});
    expect([session.isAuthenticated, session.deviceBound, setCookie]).toEqual([true, true, undefined]);
  });

  it('makes a bound session without it anonymous, leaving its cookie and the stored session alone', async () => {
    const { harness, handle } = await boundSession();
    const { session, setCookie } = await harness.send(undefined, harness.cookie, {});
    expect([session.isAuthenticated, session.isNew, setCookie]).toEqual([false, true, undefined]);
    expect(harness.emitted.at(-1)).toMatchObject({ type: 'rejected', reason: 'device', handle, userId: alice.id });
    expect(
      await harness.store.get(SessionSigner.hashId(harness.cookie!.split('=')[1].split('.')[0], '')),
    ).not.toBeNull();
  });

  it('refuses an expired short-lived cookie, and one of another binding', async () => {
    const { harness, shortCookie } = await boundSession();
    const stale = shortCookie();
    const other = shortCookie('b-2');
    expect((await harness.send(undefined, `${harness.cookie}; ${other}`, {})).session.isAuthenticated).toBe(false);
    clock.now += 10 * MINUTE;
    expect((await harness.send(undefined, `${harness.cookie}; ${stale}`, {})).session.isAuthenticated).toBe(false);
    expect((await harness.send(undefined, `${harness.cookie}; ${shortCookie()}`, {})).session.isAuthenticated).toBe(
      true,
    );
  });

  it('refuses a bound session presented as a bearer token without the short-lived cookie', async () => {
    const { harness, shortCookie } = await boundSession();
    const id = harness.cookie!.split('=')[1].split('.')[0];
    const request = fakeRequest(undefined, {
      headers: { authorization: `Bearer ${new SessionSigner([SECRET]).sign(id)}` },
    });
    expect((await harness.manager.loader.load(request, true, 'header')).isAuthenticated).toBe(false);
    const withCookie = fakeRequest(shortCookie(), {
      headers: { authorization: request.headers.authorization as string },
    });
    expect((await harness.manager.loader.load(withCookie, true, 'header')).isAuthenticated).toBe(true);
  });

  it('serves it anyway with allowUnbound', async () => {
    const { harness } = await boundSession({ dbsc: { allowUnbound: true } });
    expect((await harness.send(undefined, harness.cookie, {})).session.isAuthenticated).toBe(true);
  });

  it('drops the binding on logout, but not when the handler that logged out threw', async () => {
    const { harness, shortCookie } = await boundSession();
    const cookies = `${harness.cookie}; ${shortCookie()}`;
    const request = fakeRequest(cookies);
    const failed = await harness.manager.load(request);
    failed.logout();
    await harness.manager.commit(request, fakeResponse(), true);
    expect(dbscRecordOf((await harness.stored(failed))!.data).binding).not.toBeNull();
    const { session } = await harness.send((s) => s.logout(), cookies, {});
    expect(session.deviceBound).toBe(false);
    expect(dbscRecordOf((await harness.stored(session))!.data).binding).toBeNull();
  });
});

describe('the DBSC offer at commit', () => {
  useFakeClock();

  async function commitWith(harness: Harness, handler: (s: RequestSession) => unknown, cookie = harness.cookie) {
    const request = fakeRequest(cookie);
    const response = fakeResponse();
    const session = await harness.manager.load(request);
    await handler(session);
    await harness.manager.commit(request, response);
    return { session, offer: response.headers['secure-session-registration'] };
  }

  it('goes with a login: a registration challenge is stored and sent', async () => {
    const harness = new Harness({ dbsc: {} });
    const { session, offer } = await commitWith(harness, (s) => s.login(alice));
    const [, challenge] = /challenge="([^"]+)"/.exec(offer!)!;
    expect(dbscRecordOf((await harness.stored(session))!.data).challenges).toMatchObject([
      { value: challenge, purpose: 'registration' },
    ]);
  });

  it('keeps an existing binding until a registration replaces it', async () => {
    const { harness, shortCookie } = await boundSession();
    const { session, offer } = await commitWith(
      harness,
      (s) => s.offerDeviceBinding(),
      `${harness.cookie}; ${shortCookie()}`,
    );
    expect(offer).toBeDefined();
    expect(dbscRecordOf((await harness.stored(session))!.data).binding).toMatchObject({ id: 'b-1' });
  });

  it('is not made with offerOnLogin false, without dbsc, or when the handler threw', async () => {
    expect(
      (await commitWith(new Harness({ dbsc: { offerOnLogin: false } }), (s) => s.login(alice))).offer,
    ).toBeUndefined();
    expect((await commitWith(new Harness(), (s) => s.login(alice).offerDeviceBinding())).offer).toBeUndefined();
    const harness = new Harness({ dbsc: {} });
    const request = fakeRequest(undefined);
    const response = fakeResponse();
    (await harness.manager.load(request)).set('a', 1).offerDeviceBinding();
    await harness.manager.commit(request, response, true);
    expect(response.headers['secure-session-registration']).toBeUndefined();
  });
});
