import type { INestApplication } from '@nestjs/common';
import * as fc from 'fast-check';
import request, { type Response } from 'supertest';
import {
  cookieHeader,
  editedValue,
  expectNoServerError,
  fuzzRuns,
  headerText,
  otherCookieName,
  sameJson,
  signedUnknownValue,
  signValue,
  unverifiableValue,
} from './utils/http-fuzz';
import { PLATFORMS } from './utils/platforms';
import { errorBody } from './utils/http-expectations';
import { flashBody, kvBody, kvBodyText, kvKey, noiseHeaders } from './utils/request-fuzz';
import { READ_COUNTING_COOKIE, ReadCountingStore, startReadCountingApp } from './utils/read-counting-app';
import { TEST_SECRET } from './utils/sample-app';
import { useSampleServer } from './utils/sample-server';
import { SESSION_COOKIE } from './utils/session-cookie';
import { useSessionsDatabase } from './utils/sessions-database';

/*
 * Property-based fuzzing over real HTTP, on both platforms: whatever a client puts in its cookies,
 * headers, paths and JSON bodies, the app never answers 5xx; a cookie that does not verify is no
 * session at all, and costs no store query. fast-check prints the seed and path of a failure
 * (rerun with `fc.assert(..., { seed, path })`).
 */

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const OLD_SECRET = 'rotated-out-secret-9876543210-zyxwvutsrq';
const FOREIGN_SECRET = 'someone-elses-secret-0123456789-abcdefgh';
const TENANT_HEADER = 'x-tenant';

type Method = 'get' | 'post' | 'put';

/** The value of a `name=value` pair. */
const valueOf = (pair: string): string => pair.slice(pair.indexOf('=') + 1);

/** One request with exactly these headers (no cookie jar: the test decides every Cookie header). */
function send(url: string, method: Method, path: string, headers: Record<string, string | string[]> = {}) {
  return request(url)[method](path).set(headers);
}

/** Routes that read the cookie, and how each answers a client without a session. */
const COOKIE_ROUTES: Array<{ method: Method; path: string; status: number; body?: unknown }> = [
  { method: 'get', path: '/counter', status: 200, body: { visits: 1 } },
  { method: 'get', path: '/profile', status: 401 },
  { method: 'post', path: '/logout', status: 200, body: { ok: true } },
];

/** The longest Cookie header these properties send: well under Node's 16 KB limit for all headers. */
const MAX_COOKIE_HEADER = 12_000;
describe('fuzzing', () => {
  const database = useSessionsDatabase('fuzz');

  describe.each(PLATFORMS)('on %s', (platform) => {
    describe('the sample', () => {
      const server = useSampleServer(() => database.db.url, {
        platform,
        tenantHeader: TENANT_HEADER,
        trustProxy: 'loopback',
      });
      /** `name=value` of a logged-in session (alice) and of a session holding a counter. */
      let alice: string;
      let counter: string;
      let visits: number;

      beforeAll(async () => {
        const login = server.agent();
        await login.post('/login').send(ALICE).expect(200);
        const visitor = server.agent();
        await visitor.get('/counter').expect(200, { visits: 1 });
        [alice, counter, visits] = [login.cookie!, visitor.cookie!, 1];
      });

      /**
       * The counter session counted this request. Compared with the last count seen, not with a
       * running total, so the reruns fast-check makes while shrinking a failure stay truthful.
       */
      function expectOneMoreVisit(response: Response): void {
        expect(response.body).toEqual({ visits: visits + 1 });
        visits++;
      }

      /**
       * Cookies of the session's name holding no live session, and other cookies holding anything.
       * `signedUnknown`: of the session's name, also values our secret signed for sessions that do not
       * exist; they verify, so the first of them is the one used, and no live cookie after it is.
       */
      function strayPair(signedUnknown: boolean): fc.Arbitrary<string> {
        const live = [valueOf(alice), valueOf(counter)];
        const unverifiable = unverifiableValue(live, FOREIGN_SECRET);
        const forged = signedUnknown ? fc.oneof(unverifiable, signedUnknownValue(TEST_SECRET)) : unverifiable;
        return fc.oneof(
          forged.map((value) => `${SESSION_COOKIE}=${value}`),
          fc
            .tuple(otherCookieName(SESSION_COOKIE), fc.oneof(forged, fc.constantFrom(...live)))
            .map(([name, value]) => `${name}=${value}`),
        );
      }

      it('answers a Cookie header that holds no live session as anonymous on every route, never 5xx', async () => {
        const header = fc.oneof(headerText(300), cookieHeader(fc.array(strayPair(true), { maxLength: 8 })));
        const live = [valueOf(alice), valueOf(counter)];
        await fc.assert(
          fc.asyncProperty(
            header,
            noiseHeaders(live, TEST_SECRET),
            fc.constantFrom(...COOKIE_ROUTES),
            async (cookie, noise, route) => {
              const response = await send(server.url, route.method, route.path, { ...noise, cookie });
              expectNoServerError(response, `${route.method} ${route.path}`);
              expect(response.status).toBe(route.status);
              if (route.body) {
                expect(response.body).toEqual(route.body);
              }
            },
          ),
          fuzzRuns(100),
        );
      });

      it('answers any single-character edit or truncation of a live cookie as anonymous', async () => {
        await fc.assert(
          fc.asyncProperty(editedValue(valueOf(alice)), async (edited) => {
            const response = await send(server.url, 'get', '/profile', { cookie: `${SESSION_COOKIE}=${edited}` });
            expectNoServerError(response, 'GET /profile');
            expect(response.status).toBe(401);
          }),
          fuzzRuns(60),
        );
      });

      it('still opens a live session whatever stray cookies, of its name or others, come before and after it', async () => {
        const before = fc.array(strayPair(false), { maxLength: 5 });
        const after = fc.array(strayPair(true), { maxLength: 5 });
        const separator = fc.constantFrom('; ', ';', ' ; ');
        await fc.assert(
          fc.asyncProperty(before, after, separator, fc.boolean(), async (preceding, following, joint, asAlice) => {
            const cookie = [...preceding, asAlice ? alice : counter, ...following].join(joint);
            // Node answers 431 to a request whose headers pass 16 KB, before the app sees it.
            fc.pre(cookie.length <= MAX_COOKIE_HEADER);
            if (asAlice) {
              const response = await send(server.url, 'get', '/profile', { cookie });
              expectNoServerError(response, 'GET /profile');
              expect(response.status).toBe(200);
              expect(response.body).toMatchObject({ username: 'alice' });
            } else {
              const response = await send(server.url, 'get', '/counter', { cookie });
              expectNoServerError(response, 'GET /counter');
              expectOneMoreVisit(response);
            }
          }),
          fuzzRuns(60),
        );
      });

      it('lets odd Authorization, X-Forwarded-For, User-Agent and tenant headers change nothing but the tenant', async () => {
        const tenant = fc.option(fc.oneof(headerText(30), fc.constantFrom('', ' ', 'acme', '\t')), { nil: undefined });
        await fc.assert(
          fc.asyncProperty(noiseHeaders([valueOf(alice)], TEST_SECRET), tenant, async (noise, tenantName) => {
            const headers = {
              ...noise,
              cookie: counter,
              ...(tenantName === undefined ? {} : { [TENANT_HEADER]: tenantName }),
            };
            const response = await send(server.url, 'get', '/counter', headers);
            expectNoServerError(response, 'GET /counter');
            // HTTP drops the spaces and tabs around a header value; an empty tenant is no tenant.
            const otherTenant = (tenantName ?? '').replace(/^[ \t]+|[ \t]+$/g, '') !== '';
            if (otherTenant) {
              expect(response.body).toEqual({ visits: 1 });
            } else {
              expectOneMoreVisit(response);
            }
          }),
          fuzzRuns(60),
        );
      });

      it('PUT /kv/:key with any key and JSON body: 2xx with the value stored unchanged, or 4xx, never 5xx', async () => {
        await fc.assert(
          fc.asyncProperty(kvKey(), kvBody(), async ({ path, key }, body) => {
            const text = kvBodyText(body);
            const value = (JSON.parse(text) as { value?: unknown } | null)?.value;
            const agent = server.agent();
            const put = await agent.put(`/kv/${path}`).set('Content-Type', 'application/json').send(text);
            if (expectNoServerError(put, `PUT /kv/${path}`) !== 200) {
              errorBody(put);
              return;
            }
            const { kv } = (await agent.get('/kv').expect(200)).body as { kv: Record<string, unknown> };
            expect(Object.keys(kv)).toEqual(key === undefined ? [expect.any(String)] : [key]);
            expect(sameJson(Object.values(kv)[0], value)).toBe(true);
          }),
          fuzzRuns(60),
        );
      });

      it('POST /flash with any type and message: stored and given back once, or 4xx, never 5xx', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(flashBody(), { minLength: 1, maxLength: 3 }), async (bodies) => {
            const agent = server.agent();
            const expected = new Map<string, string[]>();
            for (const body of bodies) {
              const response = await agent
                .post('/flash')
                .set('Content-Type', 'application/json')
                .send(JSON.stringify(body));
              if (expectNoServerError(response, 'POST /flash') === 200) {
                const { type, message } = body as { type: string; message: string };
                expected.set(type, [...(expected.get(type) ?? []), message]);
              } else {
                errorBody(response);
              }
            }
            const first = await agent.get('/flash');
            expectNoServerError(first, 'GET /flash');
            const messages = (first.body as { messages: Record<string, unknown> }).messages;
            expect(sameJson(messages, Object.fromEntries(expected))).toBe(true);
            expect(Object.keys(messages).sort()).toEqual([...expected.keys()].sort());
            await agent.get('/flash').expect(200, { messages: {} });
          }),
          fuzzRuns(40),
        );
      });
    });

    describe('store reads', () => {
      const store = new ReadCountingStore();
      let app: INestApplication;
      let url: string;
      /** Values of a logged-in session's cookie: as issued, and signed again with the older secret. */
      let live: string[];

      beforeAll(async () => {
        ({ app, url } = await startReadCountingApp(platform, store, [TEST_SECRET, OLD_SECRET]));
        const login = await send(url, 'post', '/login').expect(200);
        const issued = valueOf(String(login.headers['set-cookie']).split(';')[0]);
        live = [issued, signValue(issued.split('.')[0], OLD_SECRET)];
      });

      afterAll(async () => {
        await app?.close();
      });

      /** Sends one request and returns it with the number of store reads it caused. */
      async function counted(path: string, cookie: string | string[]): Promise<{ response: Response; reads: number }> {
        const before = store.reads;
        const response = await send(url, 'get', path, { cookie });
        return { response, reads: store.reads - before };
      }

      it('never reads the store for a request whose cookies hold no value that verifies', async () => {
        const forged = unverifiableValue(live, FOREIGN_SECRET);
        const pair = fc.oneof(
          forged.map((value) => `${READ_COUNTING_COOKIE}=${value}`),
          fc
            .tuple(otherCookieName(READ_COUNTING_COOKIE), fc.oneof(forged, fc.constantFrom(...live)))
            .map(([name, value]) => `${name}=${value}`),
        );
        const header = fc.oneof(headerText(300), cookieHeader(fc.array(pair, { maxLength: 8 })));
        await fc.assert(
          fc.asyncProperty(header, fc.constantFrom('/count', '/members'), async (cookie, path) => {
            const { response, reads } = await counted(path, cookie);
            expectNoServerError(response, `GET ${path}`);
            expect(reads).toBe(0);
            expect(response.status).toBe(path === '/count' ? 200 : 401);
            if (path === '/count') {
              expect(response.body).toEqual({ count: 1 });
            }
          }),
          fuzzRuns(100),
        );
      });

      it('reads the store once for a value that verifies, live or not, among any other cookies', async () => {
        const strays = fc.array(
          unverifiableValue(live, FOREIGN_SECRET).map((value) => `${READ_COUNTING_COOKIE}=${value}`),
          { maxLength: 4 },
        );
        const verifying = fc.oneof(
          fc.constantFrom(...live).map((value) => ({ value, member: true })),
          fc
            .constantFrom(TEST_SECRET, OLD_SECRET)
            .chain(signedUnknownValue)
            .map((value) => ({ value, member: false })),
        );
        await fc.assert(
          fc.asyncProperty(strays, verifying, strays, async (before, { value, member }, after) => {
            const cookie = [...before, `${READ_COUNTING_COOKIE}=${value}`, ...after].join('; ');
            // Node answers 431 to a request whose headers pass 16 KB, before the app sees it.
            fc.pre(cookie.length <= MAX_COOKIE_HEADER);
            const { response, reads } = await counted('/members', cookie);
            expect(reads).toBe(1);
            expect(response.status).toBe(member ? 200 : 401);
          }),
          fuzzRuns(30),
        );
      });
    });
  });
});
