import type { SessionTransportKind } from '../http/session-transport.decorator';
import type { SessionModuleOptions } from '../module/session-module-options.interface';
import { SessionSigner } from '../core/session-signer';
import type { RequestSession } from '../core/request-session';
import { DAY, fakeRequest, fakeResponse, Harness, SECRET, useFakeClock } from './lifecycle.harness.fixture';

const ALICE = { id: 'u-alice', roles: ['user'] };
const signer = new SessionSigner([SECRET]);

/** One request on a route of `transport`, with the given cookie and Authorization header. */
async function send(
  harness: Harness,
  transport: SessionTransportKind | undefined,
  credentials: { cookie?: string; authorization?: string },
  handler: (session: RequestSession) => unknown = () => undefined,
) {
  const headers: Record<string, string> =
    credentials.authorization === undefined ? {} : { authorization: credentials.authorization };
  const request = fakeRequest(credentials.cookie, { headers });
  const response = fakeResponse();
  const session = await harness.manager.loader.load(request, true, transport);
  await handler(session);
  await harness.manager.commit(request, response);
  return { session, response, token: response.headers['session-token'] };
}

async function loggedIn(harness: Harness, transport: SessionTransportKind = 'header'): Promise<string> {
  const { token, response } = await send(harness, transport, {}, (s) => s.login(ALICE));
  expect(response.setCookies).toEqual([]);
  return token!;
}

describe('the header transport', () => {
  const clock = useFakeClock();

  it('sends a new session its token in Session-Token, with no-store and never a cookie', async () => {
    const harness = new Harness();
    const { session, response, token } = await send(harness, 'header', {}, (s) => s.login(ALICE));
    expect(token).toBe(signer.sign(session.id));
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.setCookies).toEqual([]);
  });

  it('serves the session named by the token, and sends nothing back while the token is unchanged', async () => {
    const harness = new Harness();
    const token = await loggedIn(harness);
    const { session, response } = await send(harness, 'header', { authorization: `Bearer ${token}` });
    expect(session.user).toMatchObject(ALICE);
    expect(response.headers).toEqual({});
    expect(response.setCookies).toEqual([]);
  });

  it('treats a tampered, malformed or other-scheme credential as anonymous', async () => {
    const harness = new Harness();
    const token = await loggedIn(harness);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AB' : 'AA'}`;
    for (const authorization of [`Bearer ${tampered}`, 'Bearer', `Basic ${token}`, token, `Bearer ${token}x`]) {
      const { session } = await send(harness, 'header', { authorization });
      expect(session.user).toBeNull();
    }
  });

  it('ignores the cookie on header routes and the token on cookie routes', async () => {
    const harness = new Harness();
    const token = await loggedIn(harness);
    const cookie = `__Host-sid=${token}`;
    expect((await send(harness, 'header', { cookie })).session.user).toBeNull();
    expect((await send(harness, 'cookie', { authorization: `Bearer ${token}` })).session.user).toBeNull();
    // The module's default transport is 'cookie'.
    expect((await send(harness, undefined, { authorization: `Bearer ${token}` })).session.user).toBeNull();
    expect((await send(harness, 'cookie', { cookie })).session.user).toMatchObject(ALICE);
  });

  it("follows the module's transport option on routes without @SessionTransport()", async () => {
    const harness = new Harness({ transport: 'header' } as Partial<SessionModuleOptions>);
    const token = await loggedIn(harness, undefined);
    expect((await send(harness, undefined, { authorization: `Bearer ${token}` })).session.user).toMatchObject(ALICE);
  });

  describe("on 'both' routes", () => {
    it('lets a Bearer credential decide alone, valid or not, and answers in the header', async () => {
      const harness = new Harness();
      const token = await loggedIn(harness);
      const cookie = `__Host-sid=${token}`;
      expect((await send(harness, 'both', { authorization: `Bearer ${token}` })).session.user).toMatchObject(ALICE);
      expect((await send(harness, 'both', { cookie })).session.user).toMatchObject(ALICE);
      // A bad token never falls back to the cookie beside it.
      expect((await send(harness, 'both', { cookie, authorization: 'Bearer nope' })).session.user).toBeNull();
      const renewed = await send(harness, 'both', { cookie, authorization: `Bearer ${token}` }, (s) => s.regenerate());
      expect(renewed.token).toBe(signer.sign(renewed.session.id));
      expect(renewed.response.setCookies).toEqual([]);
    });

    it('answers a request without credentials with a cookie, never the token header', async () => {
      const harness = new Harness();
      const { response } = await send(harness, 'both', {}, (s) => s.login(ALICE));
      expect(response.setCookies).toHaveLength(1);
      expect(response.headers['session-token']).toBeUndefined();
    });
  });

  it('sends a token renewed by renewAfter, and the new one works', async () => {
    const harness = new Harness({ renewAfter: DAY / 2 });
    const token = await loggedIn(harness);
    clock.now += DAY / 2 + 1;
    const { session, token: renewed } = await send(harness, 'header', { authorization: `Bearer ${token}` });
    expect(renewed).toBe(signer.sign(session.id));
    expect(renewed).not.toBe(token);
    expect((await send(harness, 'header', { authorization: `Bearer ${renewed}` })).session.user).toMatchObject(ALICE);
  });

  it('sets no cookie, not even a clearing one, when a header-transport session ends', async () => {
    const harness = new Harness();
    const token = await loggedIn(harness);
    const cookie = `__Host-sid=${token}`;
    const { response } = await send(harness, 'header', { cookie, authorization: `Bearer ${token}` }, (s) =>
      s.destroy(),
    );
    expect(response.setCookies).toEqual([]);
    expect((await send(harness, 'header', { authorization: `Bearer ${token}` })).session.user).toBeNull();
  });
});
