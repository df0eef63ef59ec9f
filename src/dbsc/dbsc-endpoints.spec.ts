import { CookieJar, SlowReadStore, startDbscApp, type DbscApp } from './dbsc-app.fixture';
import { deviceKey, signProof, type DeviceKey } from './dbsc-proof.fixture';

const LONG = '__Host-sid';
const SHORT = '__Host-sidb';
const REGISTRATION = /^\(ES256 RS256\);path="\/dbsc\/register";challenge="([A-Za-z0-9_-]+)"$/;
const CHALLENGE = /^"([A-Za-z0-9_-]+)";id="([A-Za-z0-9_-]+)"$/;

/** Logs in, registers `key` with the offer's challenge; the jar then holds both cookies. */
async function loginAndRegister(
  jar: CookieJar,
  key: DeviceKey,
): Promise<{ sid: string; body: Record<string, unknown> }> {
  const login = await jar.send('post', '/login');
  const [, challenge] = REGISTRATION.exec(login.headers['secure-session-registration'])!;
  const registered = await jar.send('post', '/dbsc/register', {
    'secure-session-response': signProof(key, { jti: challenge }, { jwk: true }),
  });
  expect(registered.status).toBe(200);
  return { sid: registered.body.session_identifier, body: registered.body };
}

/** The 403's challenge, then a proof of it. */
async function refresh(jar: CookieJar, key: DeviceKey, sid: string) {
  const asked = await jar.send('post', '/dbsc/refresh', { 'sec-secure-session-id': sid }, [LONG]);
  expect(asked.status).toBe(403);
  const [, challenge, id] = CHALLENGE.exec(asked.headers['secure-session-challenge'])!;
  expect(id).toBe(sid);
  const proof = signProof(key, { jti: challenge });
  return {
    proof,
    response: await jar.send(
      'post',
      '/dbsc/refresh',
      { 'sec-secure-session-id': sid, 'secure-session-response': proof },
      [LONG],
    ),
  };
}

describe.each(['express', 'fastify'] as const)('DBSC endpoints on %s', (platform) => {
  let dbsc: DbscApp;
  let jar: CookieJar;
  const key = deviceKey('ES256');
  beforeEach(async () => {
    dbsc = await startDbscApp(platform);
    jar = new CookieJar(dbsc.app);
  });
  afterEach(() => dbsc.close());

  it('offers registration on login, registers the key, and answers the session instructions with the cookie', async () => {
    const { sid, body } = await loginAndRegister(jar, key);
    expect(body).toEqual({
      session_identifier: sid,
      refresh_url: '/dbsc/refresh',
      continue: true,
      scope: { include_site: false, scope_specification: [] },
      credentials: [{ type: 'cookie', name: SHORT, attributes: 'Path=/; Secure; HttpOnly; SameSite=Lax' }],
    });
    expect(jar.cookies.has(SHORT)).toBe(true);
    await expect(jar.send('get', '/profile')).resolves.toMatchObject({ status: 200, body: { deviceBound: true } });
  });

  it('registers RS256 keys too, and takes a quoted proof header', async () => {
    const rsa = deviceKey('RS256');
    const login = await jar.send('post', '/login');
    const [, challenge] = REGISTRATION.exec(login.headers['secure-session-registration'])!;
    const proof = `"${signProof(rsa, { jti: challenge }, { jwk: true })}"`;
    const registered = await jar.send('post', '/dbsc/register', { 'secure-session-response': proof });
    expect(registered.status).toBe(200);
    const sid = registered.body.session_identifier as string;
    const { response } = await refresh(jar, rsa, `"${sid}"`.slice(1, -1));
    expect(response.status).toBe(200);
  });

  it('refuses a bound session without its short-lived cookie (401), keeps the long-lived cookie, publishes rejected/device', async () => {
    await loginAndRegister(jar, key);
    const stolen = await jar.send('get', '/profile', {}, [LONG]);
    expect(stolen.status).toBe(401);
    expect(stolen.headers['set-cookie']).toBeUndefined();
    expect(dbsc.events.filter((e) => e.type === 'rejected').map((e) => e.reason)).toEqual(['device']);
    await expect(jar.send('get', '/profile')).resolves.toMatchObject({ status: 200 });
  });

  it('refreshes: 403 with a challenge, then a fresh cookie and the next challenge for the proof', async () => {
    const { sid } = await loginAndRegister(jar, key);
    jar.cookies.delete(SHORT);
    const { proof, response } = await refresh(jar, key, sid);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['secure-session-challenge']).toMatch(CHALLENGE);
    expect(jar.cookies.has(SHORT)).toBe(true);
    await expect(jar.send('get', '/profile')).resolves.toMatchObject({ status: 200 });
    // The same proof again: its challenge is spent.
    const replay = await jar.send('post', '/dbsc/refresh', {
      'sec-secure-session-id': sid,
      'secure-session-response': proof,
    });
    expect(replay.status).toBe(403);
    // The challenge the 200 carried serves the next refresh directly.
    const [, next] = CHALLENGE.exec(response.headers['secure-session-challenge'])!;
    const direct = await jar.send('post', '/dbsc/refresh', {
      'sec-secure-session-id': sid,
      'secure-session-response': signProof(key, { jti: next }),
    });
    expect(direct.status).toBe(200);
  });

  it('refuses a proof by another key, one that embeds a key, and one answering another session’s challenge', async () => {
    const { sid } = await loginAndRegister(jar, key);
    const other = new CookieJar(dbsc.app);
    const { sid: otherSid } = await loginAndRegister(other, key);
    const asked = await other.send('post', '/dbsc/refresh', { 'sec-secure-session-id': otherSid });
    const [, othersChallenge] = CHALLENGE.exec(asked.headers['secure-session-challenge'])!;
    const mine = await jar.send('post', '/dbsc/refresh', { 'sec-secure-session-id': sid });
    const [, challenge] = CHALLENGE.exec(mine.headers['secure-session-challenge'])!;
    for (const proof of [
      signProof(deviceKey('ES256'), { jti: challenge }),
      signProof(key, { jti: challenge }, { jwk: true }),
      signProof(key, { jti: othersChallenge }),
      signProof(key, { jti: challenge }, { header: { alg: 'RS256' } }),
      'garbage',
    ]) {
      const refused = await jar.send(
        'post',
        '/dbsc/refresh',
        { 'sec-secure-session-id': sid, 'secure-session-response': proof },
        [LONG],
      );
      expect(refused.status).toBe(403);
      expect(refused.headers['secure-session-challenge']).toMatch(CHALLENGE);
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    // The challenge the last refusal handed out is good (the oldest pending ones make way for new ones).
    const asked2 = await jar.send('post', '/dbsc/refresh', { 'sec-secure-session-id': sid }, [LONG]);
    const [, latest] = CHALLENGE.exec(asked2.headers['secure-session-challenge'])!;
    const ok = await jar.send('post', '/dbsc/refresh', {
      'sec-secure-session-id': sid,
      'secure-session-response': signProof(key, { jti: latest }),
    });
    expect(ok.status).toBe(200);
    await expect(jar.send('get', '/profile')).resolves.toMatchObject({ status: 200 });
  });

  it('ends the browser session (continue: false) for an unknown identifier, no session, or after logout', async () => {
    const { sid } = await loginAndRegister(jar, key);
    const wrong = await jar.send('post', '/dbsc/refresh', { 'sec-secure-session-id': 'other' });
    expect(wrong.body).toEqual({ continue: false });
    const anonymous = await new CookieJar(dbsc.app).send('post', '/dbsc/refresh', { 'sec-secure-session-id': sid });
    expect(anonymous.body).toEqual({ continue: false });
    await jar.send('post', '/logout');
    const after = await jar.send('post', '/dbsc/refresh', { 'sec-secure-session-id': sid });
    expect([after.status, after.body]).toEqual([200, { continue: false }]);
  });

  it('refuses registrations: no proof or a malformed one 400, a replayed, foreign or unsigned one 403', async () => {
    const login = await jar.send('post', '/login');
    const [, challenge] = REGISTRATION.exec(login.headers['secure-session-registration'])!;
    await expect(jar.send('post', '/dbsc/register')).resolves.toMatchObject({ status: 400 });
    await expect(jar.send('post', '/dbsc/register', { 'secure-session-response': 'x.y.z' })).resolves.toMatchObject({
      status: 400,
    });
    const noJwk = signProof(key, { jti: challenge });
    await expect(jar.send('post', '/dbsc/register', { 'secure-session-response': noJwk })).resolves.toMatchObject({
      status: 400,
    });
    const foreign = signProof(key, { jti: 'not-issued' }, { jwk: true });
    await expect(jar.send('post', '/dbsc/register', { 'secure-session-response': foreign })).resolves.toMatchObject({
      status: 403,
    });
    const mismatched = signProof(key, { jti: challenge }, { header: { jwk: deviceKey('ES256').publicJwk } });
    await expect(jar.send('post', '/dbsc/register', { 'secure-session-response': mismatched })).resolves.toMatchObject({
      status: 403,
    });
    const proof = signProof(key, { jti: challenge }, { jwk: true });
    await expect(
      new CookieJar(dbsc.app).send('post', '/dbsc/register', { 'secure-session-response': proof }),
    ).resolves.toMatchObject({ status: 403 });
    await expect(jar.send('post', '/dbsc/register', { 'secure-session-response': proof })).resolves.toMatchObject({
      status: 200,
    });
    await expect(jar.send('post', '/dbsc/register', { 'secure-session-response': proof })).resolves.toMatchObject({
      status: 403,
    });
  });

  it('refuses a registration challenge once it expired', async () => {
    const login = await jar.send('post', '/login');
    const [, challenge] = REGISTRATION.exec(login.headers['secure-session-registration'])!;
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 60_001);
    try {
      const late = await jar.send('post', '/dbsc/register', {
        'secure-session-response': signProof(key, { jti: challenge }, { jwk: true }),
      });
      expect(late.status).toBe(403);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('does not offer on header-transport logins, offers on offerDeviceBinding(), and not without a login', async () => {
    expect((await jar.send('post', '/api/login')).headers['secure-session-registration']).toBeUndefined();
    expect((await new CookieJar(dbsc.app).send('post', '/offer')).headers['secure-session-registration']).toMatch(
      REGISTRATION,
    );
    expect(
      (await new CookieJar(dbsc.app).send('get', '/profile')).headers['secure-session-registration'],
    ).toBeUndefined();
  });
});

describe.each(['express', 'fastify'] as const)('DBSC on %s, concurrency and configuration', (platform) => {
  const key = deviceKey('ES256');

  it.each([
    ['without the cache', {}],
    ['with the cache', { cache: { ttl: 60_000 } }],
  ])('lets exactly one of two simultaneous refreshes with the same proof through (%s)', async (_, options) => {
    const dbsc = await startDbscApp(platform, { ...options, store: new SlowReadStore() });
    try {
      const jar = new CookieJar(dbsc.app);
      const { sid } = await loginAndRegister(jar, key);
      await jar.send('get', '/profile');
      const asked = await jar.send('post', '/dbsc/refresh', { 'sec-secure-session-id': sid });
      const [, challenge] = CHALLENGE.exec(asked.headers['secure-session-challenge'])!;
      const headers = { 'sec-secure-session-id': sid, 'secure-session-response': signProof(key, { jti: challenge }) };
      const statuses = await Promise.all([1, 2, 3].map(() => jar.send('post', '/dbsc/refresh', headers)));
      expect(statuses.map((r) => r.status).sort()).toEqual([200, 403, 403]);
    } finally {
      await dbsc.close();
    }
  });

  it('serves the endpoints at their exact paths whatever the global prefix, and applies allowUnbound', async () => {
    const dbsc = await startDbscApp(
      platform,
      { dbsc: { allowUnbound: true, registrationPath: '/device/reg', refreshPath: '/device/ref' } },
      'api',
    );
    try {
      const jar = new CookieJar(dbsc.app);
      const login = await jar.send('post', '/api/login');
      const [, challenge] = /challenge="([^"]+)"/.exec(login.headers['secure-session-registration'])!;
      expect(login.headers['secure-session-registration']).toContain('path="/device/reg"');
      const registered = await jar.send('post', '/device/reg', {
        'secure-session-response': signProof(key, { jti: challenge }, { jwk: true }),
      });
      expect(registered.body.refresh_url).toBe('/device/ref');
      await expect(jar.send('get', '/api/profile', {}, [LONG])).resolves.toMatchObject({
        status: 200,
        body: { deviceBound: true },
      });
    } finally {
      await dbsc.close();
    }
  });

  it('wires the endpoints with forRootAsync too, and not at all without the option', async () => {
    const asyncApp = await startDbscApp(platform, {}, undefined, true);
    const off = await startDbscApp(platform, { dbsc: undefined });
    try {
      const jar = new CookieJar(asyncApp.app);
      await loginAndRegister(jar, key);
      await expect(jar.send('get', '/profile', {}, [LONG])).resolves.toMatchObject({ status: 401 });
      const offJar = new CookieJar(off.app);
      expect((await offJar.send('post', '/login')).headers['secure-session-registration']).toBeUndefined();
      await expect(offJar.send('post', '/dbsc/refresh', { 'sec-secure-session-id': 'x' })).resolves.toMatchObject({
        status: 404,
      });
    } finally {
      await Promise.all([asyncApp.close(), off.close()]);
    }
  });
});
