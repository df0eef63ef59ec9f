import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { loadSampleConfig, type SampleConfig } from '../sample/sample-config';
import { DbscClient, type DbscResponse, type DbscSessionConfig } from './utils/dbsc-client';
import { comparedAttributes, DbscCookieJar } from './utils/dbsc-cookie-jar';
import { challengesOf, registrationOffers } from './utils/dbsc-headers';
import {
  DbscKey,
  decodeJws,
  unsignedJws,
  type DbscAlgorithm,
  type DbscJwtHeader,
  type DbscJwtPayload,
} from './utils/dbsc-key';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';
import { SESSION_COOKIE } from './utils/session-cookie';
import { useSessionsDatabase } from './utils/sessions-database';
import { sleep } from './utils/sleep';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const ALGORITHMS: DbscAlgorithm[] = ['ES256', 'RS256'];
/** SESSION_DBSC_COOKIE_MS of the server that tests the short-lived cookie's expiry. */
const SHORT_COOKIE_MS = 2000;

/** The sample's settings for these environment variables, as overrides (whatever SampleConfig calls them). */
function sampleEnv(env: Record<string, string>): Partial<SampleConfig> {
  const quiet = (): void => undefined;
  const base = loadSampleConfig({ SESSION_SECRET: 'unused' }, quiet);
  const changed = loadSampleConfig({ SESSION_SECRET: 'unused', ...env }, quiet);
  return Object.fromEntries(
    Object.entries(changed).filter(([key, value]) => !isDeepStrictEqual(value, base[key as keyof SampleConfig])),
  ) as Partial<SampleConfig>;
}

/** What a server does with a DBSC proof (spec "Server considerations"): checks typ and alg, verifies with `jwk`. */
function verifiedClaims(jwt: string, registeredJwk?: JsonWebKey): Record<string, unknown> {
  const { header, payload, signingInput, signature } = decodeJws(jwt);
  expect(header.typ).toBe('dbsc+jwt');
  const key = createPublicKey({ key: (registeredJwk ?? header.jwk)!, format: 'jwk' });
  const ok =
    header.alg === 'ES256'
      ? verify('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }, signature)
      : header.alg === 'RS256' && verify('sha256', Buffer.from(signingInput), key, signature);
  if (!ok) {
    throw new Error('signature does not verify');
  }
  return payload;
}

/** The Set-Cookie line of cookie `name` in a response, if any. */
/** A proof signed by `key` whose header is the registration header with `header` merged in. */
function selfSigned(key: DbscKey, header: Partial<DbscJwtHeader>, payload: DbscJwtPayload): string {
  return key.sign({ alg: key.algorithm, typ: 'dbsc+jwt', jwk: key.publicJwk, ...header }, payload);
}

const rsaJwk = DbscKey.generate('RS256').publicJwk;
const octJwk: JsonWebKey = { kty: 'oct', k: 'c2VjcmV0' };

/** A refresh (or registration) answer that gives the client nothing: no short-lived cookie, not a 200 that goes on. */
function refused(response: DbscResponse, cookieName: string): boolean {
  const goesOn = response.status === 200 && (response.body as { continue?: unknown } | undefined)?.continue !== false;
  return !goesOn && response.status < 500 && setCookieOf(response, cookieName) === undefined;
}

function setCookieOf(response: DbscResponse, name: string): string | undefined {
  return response.setCookies.find((line) => line.startsWith(`${name}=`));
}

/** A refresh answer that makes the browser end its DBSC session: `{"continue":false}`, or a 4xx other than 403/407/429. */
function terminates(response: DbscResponse): boolean {
  const stop = response.status === 200 && (response.body as { continue?: unknown } | undefined)?.continue === false;
  return stop || (response.status >= 400 && response.status < 500 && ![403, 407, 429].includes(response.status));
}

describe('Device Bound Session Credentials', () => {
  it("the test client's proofs verify as the specification says", () => {
    for (const algorithm of ALGORITHMS) {
      const key = DbscKey.generate(algorithm);
      const registration = key.registrationProof('c-1', 'az');
      const { header } = decodeJws(registration);
      expect(header).toEqual({ alg: algorithm, typ: 'dbsc+jwt', jwk: key.publicJwk });
      expect(key.publicJwk).not.toHaveProperty('d');
      expect(verifiedClaims(registration)).toEqual({ jti: 'c-1', authorization: 'az' });
      const refresh = key.refreshProof('c-2');
      expect(decodeJws(refresh).header).toEqual({ alg: algorithm, typ: 'dbsc+jwt' });
      expect(verifiedClaims(refresh, key.publicJwk)).toEqual({ jti: 'c-2' });
      if (algorithm === 'ES256') {
        expect(decodeJws(refresh).signature).toHaveLength(64); // raw r || s, not DER
      }
      expect(() => verifiedClaims(DbscKey.generate(algorithm).refreshProof('c-2'), key.publicJwk)).toThrow();
      expect(() => verifiedClaims(`${refresh.slice(0, -4)}AAAA`, key.publicJwk)).toThrow();
    }
  });

  it("the test client reads the specification's header examples and honours Max-Age", () => {
    expect(
      registrationOffers('(ES256);path="reg1";challenge="cv1";authorization="a", (RS256);path="reg2";challenge="cv2"'),
    ).toEqual([
      { algorithms: ['ES256'], path: 'reg1', challenge: 'cv1', authorization: 'a' },
      { algorithms: ['RS256'], path: 'reg2', challenge: 'cv2', authorization: undefined },
    ]);
    expect(registrationOffers('(ES256);challenge="c", ES256;path="p", (ES256);path=reg')).toEqual([]);
    expect(challengesOf('"c1";id="session 1", "c\\"2";id="s2", "c3"')).toEqual([
      { challenge: 'c1', id: 'session 1' },
      { challenge: 'c"2', id: 's2' },
    ]);
    const jar = new DbscCookieJar();
    jar.take(['a=1; Max-Age=1; Path=/', 'b=2'], 0);
    expect([jar.header(999), jar.header(1000)]).toEqual(['a=1; b=2', 'b=2']);
    jar.take(['b=; Max-Age=0'], 0);
    expect(jar.header(0)).toBe('a=1');
  });

  const database = useSessionsDatabase('dbsc');

  describe.each(PLATFORMS)('on %s', (platform) => {
    const server = useSampleServer(() => database.db.url, { platform, ...sampleEnv({ SESSION_DBSC: 'true' }) });
    const plain = useSampleServer(() => database.db.url, { platform });
    const short = useSampleServer(() => database.db.url, {
      platform,
      ...sampleEnv({ SESSION_DBSC: 'true', SESSION_DBSC_COOKIE_MS: String(SHORT_COOKIE_MS) }),
    });

    async function loggedIn(url = server.url): Promise<DbscClient> {
      const client = new DbscClient(url);
      expect((await client.send('POST', '/login', ALICE)).status).toBe(200);
      return client;
    }

    async function bound(algorithm: DbscAlgorithm = 'ES256', url = server.url): Promise<DbscClient> {
      const client = await loggedIn(url);
      expect((await client.register(algorithm)).status).toBe(200);
      return client;
    }

    /** A refresh without a proof: the 403's challenge for this client's session. */
    async function challengeFor(client: DbscClient): Promise<string> {
      const response = await client.refreshRequest();
      expect(response.status).toBe(403);
      return client.takeChallenge()!;
    }

    const profile = async (client: DbscClient): Promise<number> => (await client.send('GET', '/profile')).status;

    it('offers registration on login (ES256 and RS256, a path, a fresh challenge), and only with SESSION_DBSC', async () => {
      const first = await loggedIn();
      const second = await loggedIn();
      for (const { offer } of [first, second]) {
        expect(offer).toMatchObject({
          algorithms: expect.arrayContaining(['ES256', 'RS256']),
          path: expect.any(String),
        });
        expect(offer!.challenge).toMatch(/\S{16,}/);
        expect(offer!.url.origin).toBe(new URL(server.url).origin);
      }
      expect(first.offer!.challenge).not.toBe(second.offer!.challenge);
      const refused = await new DbscClient(server.url).send('POST', '/login', { ...ALICE, password: 'wrong' });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('secure-session-registration')).toBeNull();
      const unoffered = await new DbscClient(plain.url).send('POST', '/login', ALICE);
      expect(unoffered.status).toBe(200);
      expect(unoffered.headers.get('secure-session-registration')).toBeNull();
    });

    it.each(ALGORITHMS)('registers a %s key: the session config names the short-lived cookie it sets', async (alg) => {
      const client = await loggedIn();
      const response = await client.register(alg);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const config = response.body as DbscSessionConfig;
      expect(config).toMatchObject({
        session_identifier: expect.stringMatching(/\S/),
        refresh_url: expect.any(String),
        scope: expect.objectContaining({ include_site: false }),
        credentials: [{ type: 'cookie', name: expect.stringMatching(/\S/), attributes: expect.any(String) }],
      });
      expect(config.continue).not.toBe(false);
      expect(client.session!.refreshUrl.origin).toBe(new URL(server.url).origin);
      const { name, attributes } = config.credentials[0];
      expect(name).not.toBe(SESSION_COOKIE);
      const line = setCookieOf(response, name);
      expect(line).toBeDefined();
      expect(comparedAttributes(line!, true)).toEqual(comparedAttributes(attributes!, false));
      expect(comparedAttributes(attributes!, false)).toEqual(expect.arrayContaining(['path=/', 'httponly']));
      expect(line).toMatch(/; *Max-Age=\d+/i);
      expect(line).not.toMatch(/Domain=/i);
      expect(client.jar.get(name)).toBeTruthy();
    });

    it('registers with the sf-string form of Secure-Session-Response too (the spec quotes it, Chrome 150 does not)', async () => {
      const client = await loggedIn();
      expect((await client.register('ES256', { quoted: true })).status).toBe(200);
      expect(await profile(client)).toBe(200);
    });

    it('serves a bound session that sends both cookies', async () => {
      const client = await bound();
      expect(client.jar.header()).toContain(`${client.boundCookieName}=`);
      const response = await client.send('GET', '/profile');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ username: 'alice' });
    });

    it('does not log in the stolen long-lived cookie alone, and leaves it in place', async () => {
      const client = await bound();
      const thief = new DbscClient(server.url);
      thief.jar.set(SESSION_COOKIE, client.jar.get(SESSION_COOKIE)!);
      const response = await thief.send('GET', '/profile');
      expect(response.status).toBe(401);
      expect(setCookieOf(response, SESSION_COOKIE)).toBeUndefined();
      thief.jar.set(client.boundCookieName, 'forged.value');
      expect(await profile(thief)).toBe(401);
      // The same requests from the legitimate browser, which lost its short-lived cookie for a moment:
      const lost = client.clone();
      lost.jar.delete(client.boundCookieName);
      expect(await profile(lost)).toBe(401);
      expect(lost.jar.get(SESSION_COOKIE)).toBe(client.jar.get(SESSION_COOKIE));
      expect(await profile(client)).toBe(200);
    });

    it('refreshes: 403 with a challenge naming the session, then a new short-lived cookie for the proof', async () => {
      const client = await bound();
      const before = client.jar.get(client.boundCookieName);
      const ask = await client.refreshRequest();
      expect(ask.status).toBe(403);
      expect(setCookieOf(ask, client.boundCookieName)).toBeUndefined();
      const challenges = challengesOf(ask.headers.get('secure-session-challenge'));
      expect(challenges).toEqual([
        { challenge: expect.stringMatching(/\S{16,}/), id: client.session!.config.session_identifier },
      ]);
      const answer = await client.refreshRequest({ proof: client.proof(client.takeChallenge()!) });
      expect(answer.status).toBe(200);
      expect(setCookieOf(answer, client.boundCookieName)).toBeDefined();
      expect(client.jar.get(client.boundCookieName)).not.toBe(before);
      expect(await profile(client)).toBe(200);
      // The browser's whole dance, twice (a challenge cached from a 200 skips the 403), and the quoted header form.
      expect((await client.refresh()).status).toBe(200);
      expect((await client.refresh()).status).toBe(200);
      expect((await client.refreshRequest({ quoted: true })).status).toBe(403);
      expect((await client.refreshRequest({ quoted: true, proof: client.proof(client.takeChallenge()!) })).status).toBe(
        200,
      );
      expect(await profile(client)).toBe(200);
    });

    it('refuses an expired short-lived cookie until a refresh', async () => {
      const client = await bound('ES256', short.url);
      const name = client.boundCookieName;
      const old = client.jar.get(name)!;
      await sleep(SHORT_COOKIE_MS + 300);
      expect(client.jar.header()).not.toContain(`${name}=`); // Max-Age elapsed: the browser no longer sends it
      expect(await profile(client)).toBe(401);
      client.jar.set(name, old); // the server checks the expiry itself
      expect(await profile(client)).toBe(401);
      expect((await client.refresh()).status).toBe(200);
      expect(client.jar.get(name)).not.toBe(old);
      expect(await profile(client)).toBe(200);
    });

    it('refuses a proof signed by another key, and answers it with a new challenge', async () => {
      const client = await bound('ES256');
      const proofs = [
        (challenge: string) => DbscKey.generate('ES256').refreshProof(challenge),
        (challenge: string) => DbscKey.generate('RS256').refreshProof(challenge),
        // Another key named in the proof itself: only the registered key counts on refresh.
        (challenge: string) => selfSigned(DbscKey.generate('ES256'), {}, { jti: challenge }),
      ];
      for (const proofOf of proofs) {
        const challenge = await challengeFor(client);
        const response = await client.refreshRequest({ proof: proofOf(challenge) });
        expect(response.status).toBe(403);
        expect(setCookieOf(response, client.boundCookieName)).toBeUndefined();
        expect(client.challenges.get(client.session!.config.session_identifier)).toMatch(/\S/);
        expect(client.challenges.get(client.session!.config.session_identifier)).not.toBe(challenge);
      }
    });

    it('refuses a replayed proof, also when two requests present it at once', async () => {
      const client = await bound('RS256');
      const proof = client.proof(await challengeFor(client));
      expect((await client.refreshRequest({ proof })).status).toBe(200);
      const replay = await client.refreshRequest({ proof });
      expect(replay.status).toBe(403);
      expect(setCookieOf(replay, client.boundCookieName)).toBeUndefined();

      const racing = client.proof(await challengeFor(client));
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => client.clone().refreshRequest({ proof: racing })),
      );
      expect(answers.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(1);
      expect(answers.filter((answer) => setCookieOf(answer, client.boundCookieName)).length).toBeLessThanOrEqual(1);
    });

    it("refuses a proof over another session's challenge", async () => {
      const a = await bound();
      const b = await bound();
      const challengeOfA = await challengeFor(a);
      const withOwnKey = await b.refreshRequest({ proof: b.proof(challengeOfA) });
      const withKeyOfA = await b.refreshRequest({ proof: a.proof(challengeOfA) });
      const namingA = await b.refreshRequest({
        proof: a.proof(challengeOfA),
        sessionId: a.session!.config.session_identifier,
      });
      expect([withOwnKey, withKeyOfA, namingA].map((response) => refused(response, b.boundCookieName))).toEqual([
        true,
        true,
        true,
      ]);
    });

    /** The claims a browser would sign for the client's offer. */
    const claims = (c: DbscClient): DbscJwtPayload => ({
      jti: c.offer!.challenge,
      authorization: c.offer!.authorization,
    });
    const key = (): DbscKey => DbscKey.generate('ES256');
    const badRegistrations: [string, (client: DbscClient) => string][] = [
      [
        'a jti that is not the issued challenge',
        (c) => key().registrationProof('not-the-challenge', c.offer!.authorization),
      ],
      ['alg none', (c) => unsignedJws({ alg: 'none', typ: 'dbsc+jwt', jwk: key().publicJwk }, claims(c))],
      ['typ JWT', (c) => selfSigned(key(), { typ: 'JWT' }, claims(c))],
      ['no jwk', (c) => key().sign({ alg: 'ES256', typ: 'dbsc+jwt' }, claims(c))],
      ['the jwk of another key', (c) => key().sign({ alg: 'ES256', typ: 'dbsc+jwt', jwk: key().publicJwk }, claims(c))],
      ['a private jwk', (c) => selfSigned(key(), { jwk: { ...key().publicJwk, d: 'AAAA' } }, claims(c))],
      ['an RSA jwk under alg ES256', (c) => key().sign({ alg: 'ES256', typ: 'dbsc+jwt', jwk: rsaJwk }, claims(c))],
      [
        'HS256 and a symmetric jwk',
        (c) => `${unsignedJws({ alg: 'HS256', typ: 'dbsc+jwt', jwk: octJwk }, claims(c))}c2ln`,
      ],
      ['a malformed token', () => 'not.a.jwt'],
    ];

    it.each(badRegistrations)('refuses a registration JWT with %s (4xx, no short-lived cookie)', async (_, proofOf) => {
      const client = await loggedIn();
      const response = await client.register('ES256', { proof: proofOf(client) });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.setCookies.filter((line) => !line.startsWith(`${SESSION_COOKIE}=`))).toEqual([]);
      expect(client.session).toBeUndefined();
      expect(await profile(client)).toBe(200); // still logged in, unbound
    });

    it('ends the binding on logout: the refresh endpoint tells the browser to stop, and a new login is unbound', async () => {
      const client = await bound();
      const copy = client.clone();
      expect((await client.send('POST', '/logout')).status).toBe(200);
      for (const browser of [client, copy]) {
        const response = await browser.refreshRequest();
        expect(terminates(response)).toBe(true);
        expect(setCookieOf(response, client.boundCookieName)).toBeUndefined();
      }
      expect(await profile(copy)).toBe(401);
      expect((await client.send('POST', '/login', ALICE)).status).toBe(200);
      client.jar.delete(client.boundCookieName);
      expect(await profile(client)).toBe(200);
    });

    it('serves an unbound session (a browser without DBSC) with the long-lived cookie alone', async () => {
      const client = await loggedIn();
      expect(client.jar.header()).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+$`));
      expect(await profile(client)).toBe(200);
      expect(await profile(client)).toBe(200);
      // Its refresh (at the URL another browser registered with) ends DBSC rather than issuing a cookie.
      const other = await bound();
      client.session = other.session;
      const response = await client.refreshRequest();
      expect(terminates(response)).toBe(true);
      expect(setCookieOf(response, other.boundCookieName)).toBeUndefined();
    });

    const garbage = [
      '',
      '"',
      '""',
      'a.b.c',
      'e30.e30.',
      '"unterminated',
      '(((;;',
      'x'.repeat(8000),
      '\u00ff\u00fe',
      '"a";id=1, ?1',
    ];

    it('never answers 5xx to garbage Secure-Session-Response or Sec-Secure-Session-Id headers', async () => {
      const client = await bound();
      const fresh = await loggedIn();
      for (const value of garbage) {
        const headers: Record<string, string>[] = [
          { 'secure-session-response': value },
          { 'sec-secure-session-id': value },
        ];
        for (const header of headers) {
          const responses = [
            await fresh.send('POST', fresh.offer!.url, undefined, header),
            await client.send('POST', client.session!.refreshUrl, undefined, {
              'sec-secure-session-id': client.session!.config.session_identifier,
              ...header,
            }),
            await client.send('GET', '/profile', undefined, header),
          ];
          expect(responses.map((response) => response.status < 500)).toEqual([true, true, true]);
          expect(responses.slice(0, 2).some((response) => setCookieOf(response, client.boundCookieName))).toBe(false);
        }
      }
      expect(await profile(client)).toBe(200);
    });
  });
});
