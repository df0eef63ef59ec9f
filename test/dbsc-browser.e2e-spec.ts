import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import {
  DBSC_CHROMIUM_MISSING,
  dbscChromiumPath,
  launchDbscChromium,
  startRecordingProxy,
  type Exchange,
  type RecordingProxy,
} from './utils/dbsc-chromium';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';
import { SESSION_COOKIE } from './utils/session-cookie';
import { useSessionsDatabase } from './utils/sessions-database';
import { waitUntil } from './utils/wait-until';

const CHROMIUM = dbscChromiumPath();
if (!CHROMIUM) {
  console.warn(DBSC_CHROMIUM_MISSING);
}

/** Five seconds, so the test sees the cookie expire; Chromium's refresh quota is off (see DBSC_FEATURES). */
const SHORT_COOKIE_MS = 5_000;

/** The registration's session instructions, as far as the test reads them. */
interface Instructions {
  session_identifier: string;
  refresh_url: string;
  credentials: { name: string }[];
}

/** The JSON header and payload of a compact JWS. */
function decodeJwt(value: string | string[] | undefined): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = String(value).replace(/^"|"$/g, '').split('.');
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
  return { header: json(header), payload: json(payload) };
}

/** `name=value` pairs of a Cookie header. */
function cookiesSent(exchange: Exchange): Map<string, string> {
  const pairs = (exchange.request.cookie ?? '').split(/;\s*/).filter(Boolean);
  return new Map(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** The value a response's Set-Cookie gives cookie `name`, if it sets it. */
function cookieSet(exchange: Exchange, name: string): string | undefined {
  const line = (exchange.response['set-cookie'] ?? []).find((header) => header.startsWith(`${name}=`));
  return line?.split(';')[0].slice(name.length + 1);
}

/**
 * Chromium 150 (Debian's build, unpacked by .ci/dbsc-chromium.sh) against the sample with
 * SESSION_DBSC=true: the browser itself registers a key, refreshes the short-lived cookie with the
 * 403-challenge-proof dance, and a stolen long-lived cookie alone is not logged in. Chromium 154 and
 * later ignore the registration header (docs/dbsc.md, "Browser support"), hence the pinned build.
 */
(CHROMIUM ? describe : describe.skip)('DBSC in a real Chromium', () => {
  const database = useSessionsDatabase('dbsc_browser');

  describe.each(PLATFORMS)('on %s', (platform) => {
    const server = useSampleServer(() => database.db.url, {
      platform,
      // SESSION_DBSC=true SESSION_DBSC_COOKIE_MS=5000
      dbsc: true,
      dbscCookieMs: SHORT_COOKIE_MS,
    });
    let proxy: RecordingProxy;
    let browser: Browser | undefined;
    beforeEach(async () => {
      proxy = await startRecordingProxy(server.url);
    });
    afterEach(async () => {
      await browser?.close();
      await proxy.close();
    });

    /** Requests to `path` (without query) recorded from index `from` on. */
    const sent = (path: string, from = 0): Exchange[] =>
      proxy.exchanges.slice(from).filter((exchange) => exchange.path.split('?')[0] === path);

    /** A same-origin fetch from the page, as the app's own scripts would send it. */
    async function fetchFromPage(
      page: Page,
      path: string,
      init: object = {},
    ): Promise<{ status: number; body: string }> {
      return page.evaluate(
        `fetch(${JSON.stringify(path)}, ${JSON.stringify(init)}).then(async (r) => ({ status: r.status, body: await r.text() }))`,
      );
    }

    /** `/profile` on the sample directly, from outside the browser, with exactly these cookies. */
    async function profileWith(cookies: Cookie[]): Promise<number> {
      const cookie = cookies.map(({ name, value }) => `${name}=${value}`).join('; ');
      return (await fetch(`${server.url}/profile`, { headers: { cookie } })).status;
    }

    async function browserCookie(context: BrowserContext, name: string): Promise<Cookie | undefined> {
      return (await context.cookies(proxy.origin)).find((cookie) => cookie.name === name);
    }

    /** Logs alice in with a fetch from the page; returns the `Secure-Session-Registration` offer it got. */
    async function logIn(page: Page): Promise<string> {
      await page.goto(`${proxy.origin}/`);
      const login = await fetchFromPage(page, '/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-pass-123' }),
      });
      expect(login.status).toBe(200);
      const offer = String(sent('/login')[0].response['secure-session-registration']);
      expect(offer).toMatch(/^\(ES256 RS256\);path="[^"]+";challenge="[^"]+"/);
      return offer;
    }

    /** Chromium's registration for `offer`: a proof signed by a key it made, which the sample accepted. */
    async function registrationFor(offer: string): Promise<Instructions> {
      const path = /path="([^"]+)"/.exec(offer)![1];
      await waitUntil(() => sent(path).length > 0, 10_000).catch(() => {
        throw new Error(`Chromium sent no POST ${path} within 10 s: it ignored the registration header`);
      });
      const [registration] = sent(path);
      expect(registration).toMatchObject({ method: 'POST', status: 200 });
      expect(cookiesSent(registration).has(SESSION_COOKIE)).toBe(true);
      const proof = decodeJwt(registration.request['secure-session-response']);
      expect(proof.header).toMatchObject({ typ: 'dbsc+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
      expect(proof.payload.jti).toBe(/challenge="([^"]+)"/.exec(offer)![1]);
      const instructions = JSON.parse(registration.body) as Instructions;
      expect(cookieSet(registration, instructions.credentials[0].name)).toBeDefined();
      return instructions;
    }

    /**
     * The refresh a request sent after exchange `from` waited for: a POST without a proof answered 403
     * with a challenge, then a proof over that challenge, signed by the registered key (no `jwk`),
     * answered 200. Returns the short-lived cookie values the refreshes set.
     */
    function refreshDanceAfter(from: number, instructions: Instructions): string[] {
      const name = instructions.credentials[0].name;
      const refreshes = sent(new URL(instructions.refresh_url, proxy.origin).pathname, from);
      const [ask, answer] = refreshes;
      expect(ask).toMatchObject({ method: 'POST', status: 403 });
      expect(ask.request['sec-secure-session-id']).toBe(instructions.session_identifier);
      expect(ask.request['secure-session-response']).toBeUndefined();
      expect(cookiesSent(ask).has(name)).toBe(false);
      const challenge = /^"([^"]+)"/.exec(String(ask.response['secure-session-challenge']))![1];
      expect(answer).toMatchObject({ method: 'POST', status: 200 });
      const proof = decodeJwt(answer.request['secure-session-response']);
      expect(proof.header).toMatchObject({ typ: 'dbsc+jwt', alg: 'ES256' });
      expect(proof.header.jwk).toBeUndefined();
      expect(proof.payload.jti).toBe(challenge);
      return refreshes.map((exchange) => cookieSet(exchange, name)).filter((value) => value !== undefined);
    }

    it('registers a key after login, refreshes the expired short-lived cookie, and refuses the long-lived one alone', async () => {
      browser = await launchDbscChromium(CHROMIUM!);
      const context = await browser.newContext();
      const page = await context.newPage();
      const instructions = await registrationFor(await logIn(page));
      const shortName = instructions.credentials[0].name;
      await waitUntil(async () => (await browserCookie(context, shortName)) !== undefined, 5_000);

      // The browser's two cookies log in; the long-lived one alone, as a thief would replay it, does not.
      const long = (await browserCookie(context, SESSION_COOKIE))!;
      expect(await profileWith([long, (await browserCookie(context, shortName))!])).toBe(200);
      expect(await profileWith([long])).toBe(401);

      // Once the short-lived cookie has expired, the page's next request waits for a refresh.
      await waitUntil(async () => (await browserCookie(context, shortName)) === undefined, SHORT_COOKIE_MS + 10_000);
      const before = proxy.exchanges.length;
      const profile = await fetchFromPage(page, '/profile');
      expect(profile.status).toBe(200);
      expect(JSON.parse(profile.body)).toMatchObject({ username: 'alice' });
      const refreshed = refreshDanceAfter(before, instructions);
      // /profile went out once the refresh was done, with the cookie it set.
      const [profileRequest] = sent('/profile', before);
      expect(refreshed).toContain(cookiesSent(profileRequest).get(shortName));

      expect(await profileWith([(await browserCookie(context, SESSION_COOKIE))!])).toBe(401);
    });
  });
});
