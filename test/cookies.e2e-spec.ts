import { useSessionsDatabase } from './utils/sessions-database';
import { PLATFORMS } from './utils/platforms';
import { TEST_SECRET } from './utils/sample-app';
import { startSampleServer, useSampleServer, type SampleServer } from './utils/sample-server';
import {
  SESSION_COOKIE,
  hashSessionId,
  sessionIdOf,
  sessionSetCookie,
  signedSessionCookie,
} from './utils/session-cookie';
import type { SessionAgent } from './utils/session-agent';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;
/** Short server-side timeouts, so a 30-day remember-me session clearly does not come from them. */
const IDLE_TIMEOUT = 60_000;
const ABSOLUTE_TIMEOUT = 120_000;
const OLD_SECRET = TEST_SECRET;
const NEW_SECRET = 'rotated-secret-9876543210-zyxwvutsrqpon';
const FOREIGN_SECRET = 'someone-elses-secret-0123456789-abcdefgh';
const SIGNED_VALUE = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;

/** `value` with the character at `index` replaced by a different base64url character. */
function flipCharAt(value: string, index: number): string {
  const replacement = value[index] === 'A' ? 'B' : 'A';
  return `${value.slice(0, index)}${replacement}${value.slice(index + 1)}`;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same signature bytes spelled differently: the last of 43 characters carries 2 unused bits. */
function respellLastChar(value: string): string {
  const last = BASE64URL.indexOf(value[value.length - 1]);
  return `${value.slice(0, -1)}${BASE64URL[last ^ 1]}`;
}

describe('session cookie', () => {
  const database = useSessionsDatabase('cookies');

  describe.each(PLATFORMS)('on %s', (platform) => {
    const server = useSampleServer(() => database.db.url, {
      platform,
      idleTimeout: IDLE_TIMEOUT,
      absoluteTimeout: ABSOLUTE_TIMEOUT,
    });

    /** A client whose session holds a counter of 1. */
    async function visitor(): Promise<SessionAgent> {
      const agent = server.agent();
      await agent.get('/counter').expect(200, { visits: 1 });
      return agent;
    }

    describe('attributes', () => {
      it('is a signed, Secure, HttpOnly, SameSite=Lax, Path=/ browser-session cookie named __Host-sid, sent with Cache-Control: no-store', async () => {
        const response = await server.agent().get('/counter').expect(200);
        const cookie = sessionSetCookie(response)!;
        expect(cookie).toBeDefined();
        expect(cookie.value).toMatch(SIGNED_VALUE);
        expect(cookie).toMatchObject({ name: '__Host-sid', httpOnly: true, secure: true, sameSite: 'lax', path: '/' });
        expect(cookie.domain).toBeUndefined();
        expect(cookie.maxAge).toBeUndefined();
        expect(cookie.expires).toBeUndefined();
        expect(response.headers['cache-control']).toBe('no-store');
      });

      it('stays a browser-session cookie after a login without remember', async () => {
        const agent = server.agent();
        const response = await agent
          .post('/login')
          .send({ ...ALICE, remember: false })
          .expect(200);
        const cookie = sessionSetCookie(response)!;
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/' });
        expect(cookie.maxAge).toBeUndefined();
        expect(cookie.expires).toBeUndefined();
        const row = (await database.table.rowOf(agent.cookie!))!;
        expect(row.lifetimeMs).toBeNull();
        expect(row.expiresAt - Date.now()).toBeGreaterThan(0);
        expect(row.expiresAt - Date.now()).toBeLessThanOrEqual(IDLE_TIMEOUT);
      });

      it('lasts 30 days with remember: true, as a persistent cookie and on the server, despite the short timeouts', async () => {
        const agent = server.agent();
        const before = Date.now();
        const response = await agent
          .post('/login')
          .send({ ...ALICE, remember: true })
          .expect(200);
        const after = Date.now();
        const cookie = sessionSetCookie(response)!;
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/', maxAge: THIRTY_DAYS_MS / 1000 });
        expect(cookie.secure).toBe(true);

        const row = (await database.table.rowOf(agent.cookie!))!;
        expect(row.lifetimeMs).toBe(THIRTY_DAYS_MS);
        for (const expiry of [row.expiresAt, row.absoluteExpiresAt]) {
          expect(expiry).toBeGreaterThanOrEqual(before + THIRTY_DAYS_MS - 1000);
          expect(expiry).toBeLessThanOrEqual(after + THIRTY_DAYS_MS + 1000);
        }
      });
    });

    describe('tampered cookies are treated as no session', () => {
      let original: SessionAgent;
      let value: string;

      beforeAll(async () => {
        original = await visitor();
        value = original.cookie!.slice(`${SESSION_COOKIE}=`.length);
        const [id, signature] = value.split('.');
        // The hand-made signature must match the server's, or the "never issued" case below proves nothing.
        expect(signedSessionCookie(id, TEST_SECRET)).toBe(original.cookie);
        expect(signature).toHaveLength(43);
      });

      const variants: Array<[string, (value: string) => string]> = [
        ['a flipped character in the ID', (v) => `${SESSION_COOKIE}=${flipCharAt(v, 10)}`],
        ['a flipped character in the signature', (v) => `${SESSION_COOKIE}=${flipCharAt(v, 44 + 10)}`],
        [
          'the signature of another ID',
          (v) => `${SESSION_COOKIE}=${flipCharAt(v.split('.')[0], 0)}.${v.split('.')[1]}`,
        ],
        ['a non-canonical spelling of the signature', (v) => `${SESSION_COOKIE}=${respellLastChar(v)}`],
        ['a truncated value', (v) => `${SESSION_COOKIE}=${v.slice(0, -1)}`],
        ['the ID without its signature', (v) => `${SESSION_COOKIE}=${v.split('.')[0]}`],
        ['a value with extra characters', (v) => `${SESSION_COOKIE}=${v}x`],
        ['garbage', () => `${SESSION_COOKIE}=not-a-session`],
        ['undecodable percent-escapes', () => `${SESSION_COOKIE}=%E0%A4%A.%ZZ`],
        ['a very long value', () => `${SESSION_COOKIE}=${'a'.repeat(4000)}`],
        ['an empty value', () => `${SESSION_COOKIE}=`],
        ['a cookie signed with another secret', (v) => signedSessionCookie(v.split('.')[0], FOREIGN_SECRET)],
        ['a well-signed random ID that was never issued', () => signedSessionCookie('N'.repeat(42) + 'E', TEST_SECRET)],
      ];

      it.each(variants)('%s: 200 on /counter with a fresh count', async (_, tamper) => {
        const forged = tamper(value);
        expect(forged).not.toBe(original.cookie);
        const agent = server.agent(forged);
        const before = await database.table.count();

        await agent.get('/counter').expect(200, { visits: 1 });

        // The count started a new session under a new ID, and the original one was not touched.
        expect(agent.cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
        expect(agent.cookie).not.toBe(forged);
        expect(sessionIdOf(agent.cookie!)).not.toBe(sessionIdOf(original.cookie!));
        expect(await database.table.count()).toBe(before + 1);
        expect((await database.table.rowOf(original.cookie!))!.data).toMatchObject({ visits: 1 });
      });

      it.each(variants)('%s: never a 5xx on any route', async (_, tamper) => {
        const forged = tamper(value);
        await server.agent(forged).get('/cart').expect(200, { cart: [] });
        await server.agent(forged).get('/kv').expect(200, { kv: {} });
        await server.agent(forged).get('/flash').expect(200, { messages: {} });
        await server.agent(forged).get('/profile').expect(401);
        await server.agent(forged).get('/admin').expect(401);
        await server.agent(forged).post('/logout').expect(200);
        await server.agent(forged).post('/login').send(ALICE).expect(200);
      });

      it('leaves the original session working', async () => {
        await original.get('/counter').expect(200, { visits: 2 });
      });

      it('clears a bad cookie with Cache-Control: no-store', async () => {
        const response = await server.agent(`${SESSION_COOKIE}=not-a-session`).post('/logout').expect(200);
        expect(sessionSetCookie(response)).toMatchObject({ value: '' });
        expect(response.headers['cache-control']).toBe('no-store');
      });
    });

    describe('several cookies of the session name (cookie tossing from a sibling subdomain)', () => {
      it('uses the first one that verifies, wherever it stands', async () => {
        const victim = await visitor();
        await victim.get('/counter').expect(200, { visits: 2 });
        const tossed = `${SESSION_COOKIE}=attacker-chosen-value`;
        const forged = signedSessionCookie('A'.repeat(43), 'a-secret-the-attacker-knows-0123456789');
        const header = `${tossed}; ${forged}; ${victim.cookie}; other=1`;
        await server.agent(header).get('/counter').expect(200, { visits: 3 });
      });

      it("serves the attacker's own valid session only when it comes first and verifies", async () => {
        const attacker = await visitor();
        const victim = await visitor();
        await victim.get('/counter').expect(200, { visits: 2 });
        await server.agent(`${attacker.cookie}; ${victim.cookie}`).get('/counter').expect(200, { visits: 2 });
        await victim.get('/counter').expect(200, { visits: 3 });
      });
    });

    describe('SESSION_COOKIE_SECURE=false', () => {
      let plain: SampleServer;
      beforeAll(async () => {
        plain = await startSampleServer(database.db.url, { platform, cookieSecure: false });
      });
      afterAll(async () => {
        await plain?.close();
      });

      it('sets a cookie without Secure, named sid (the __Host- prefix needs Secure)', async () => {
        const response = await plain.agent().get('/counter').expect(200);
        const [header] = (response.headers['set-cookie'] as unknown as string[]) ?? [];
        expect(header).toMatch(/^sid=[\w-]{43}\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
      });
    });

    describe('secret rotation', () => {
      let oldApp: SampleServer;
      let rotatedApp: SampleServer;
      let newOnlyApp: SampleServer;

      beforeAll(async () => {
        oldApp = await startSampleServer(database.db.url, { platform, secrets: [OLD_SECRET] });
        rotatedApp = await startSampleServer(database.db.url, { platform, secrets: [NEW_SECRET, OLD_SECRET] });
        newOnlyApp = await startSampleServer(database.db.url, { platform, secrets: [NEW_SECRET] });
      });
      afterAll(async () => {
        await Promise.all([oldApp?.close(), rotatedApp?.close(), newOnlyApp?.close()]);
      });

      it('accepts a cookie signed with a previous secret and re-issues it signed with the current one', async () => {
        const agent = oldApp.agent();
        await agent.get('/counter').expect(200, { visits: 1 });
        const oldCookie = agent.cookie!;
        const id = sessionIdOf(oldCookie);
        expect(oldCookie).toBe(signedSessionCookie(id, OLD_SECRET));

        // Even a read-only request re-signs, so the old secret can be retired later.
        const response = await rotatedApp.agent(oldCookie).get('/cart').expect(200, { cart: [] });
        const reissued = sessionSetCookie(response)!;
        expect(`${SESSION_COOKIE}=${reissued.value}`).toBe(signedSessionCookie(id, NEW_SECRET));
        expect(reissued).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/' });

        const rotated = rotatedApp.agent(oldCookie);
        await rotated.get('/counter').expect(200, { visits: 2 });
        expect(rotated.cookie).toBe(signedSessionCookie(id, NEW_SECRET));
        const again = await rotated.get('/counter').expect(200, { visits: 3 });
        expect(sessionSetCookie(again)).toBeUndefined();
      });

      it('rejects the old cookie once the old secret is gone', async () => {
        const agent = oldApp.agent();
        await agent.get('/counter').expect(200, { visits: 1 });
        await agent.get('/counter').expect(200, { visits: 2 });
        await newOnlyApp.agent(agent.cookie).get('/counter').expect(200, { visits: 1 });
        await rotatedApp.agent(agent.cookie).get('/counter').expect(200, { visits: 3 });
      });
    });

    describe('what the database holds', () => {
      it('stores only the SHA-256 of the ID, never the ID or the cookie value', async () => {
        const agent = await visitor();
        const anonymousCookie = agent.cookie!;
        await agent.post('/cart').send({ itemId: 'book' }).expect(200);
        await agent.post('/login').send(ALICE).expect(200);
        const cookie = agent.cookie!;
        const id = sessionIdOf(cookie);

        const row = (await database.table.rowOf(cookie))!;
        expect(row.idHash).toBe(hashSessionId(id));
        expect(row.idHash).toMatch(/^[0-9a-f]{64}$/);
        expect(await database.table.rowOf(anonymousCookie)).toBeUndefined();

        const everything = (await database.table.rowsAsText()).join('\n');
        expect(everything).toContain(row.idHash);
        for (const secret of [id, sessionIdOf(anonymousCookie), cookie.split('.')[1], anonymousCookie.split('.')[1]]) {
          expect(everything).not.toContain(secret);
        }
      });
    });
  });
});
