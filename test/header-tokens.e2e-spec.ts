import request, { type Response } from 'supertest';
import { useSessionsDatabase } from './utils/sessions-database';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer, type SampleServer } from './utils/sample-server';
import { setCookieHeaders } from './utils/session-cookie';
import { errorBody } from './utils/http-expectations';
import { sleep } from './utils/sleep';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const ALICE_USER = { id: '1', username: 'alice', roles: ['user'] };
const SIGNED_ID = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
const IDLE_TIMEOUT = 800;
const RENEW_AFTER = 300;

/** Every /api/* response: never a cookie, not even a clearing one. */
function noCookie(response: Response): void {
  expect(setCookieHeaders(response)).toEqual([]);
}

const bearer = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });

/** Logs alice in through /api/login and returns her token (checking the response on the way). */
async function apiLogin(server: SampleServer): Promise<string> {
  const response = await request(server.url).post('/api/login').send(ALICE).expect(200).expect(noCookie);
  expect(response.body).toEqual({ token: expect.stringMatching(SIGNED_ID), user: ALICE_USER });
  return response.body.token as string;
}

/** A token whose signature no longer matches its ID. */
function tampered(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.at(-1)}`;
}

describe('sessions in the Authorization header (/api/*)', () => {
  const database = useSessionsDatabase('header-tokens');

  describe.each(PLATFORMS)('on %s', (platform) => {
    const server = useSampleServer(() => database.db.url, { platform });

    it('logs in with a token in the body and the Session-Token header, and sets no cookie', async () => {
      const response = await request(server.url).post('/api/login').send(ALICE).expect(200).expect(noCookie);
      expect(response.body).toEqual({ token: expect.stringMatching(SIGNED_ID), user: ALICE_USER });
      expect(response.headers['session-token']).toBe(response.body.token);
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('validates the login body and the credentials as /login does', async () => {
      await request(server.url)
        .post('/api/login')
        .send({ username: 'alice' })
        .expect(400)
        .expect(errorBody)
        .expect(noCookie);
      await request(server.url)
        .post('/api/login')
        .send({ ...ALICE, password: 'wrong-password' })
        .expect(401)
        .expect(errorBody)
        .expect(noCookie);
    });

    it('serves /api/profile with the token, and 401 without one or with a tampered one', async () => {
      const token = await apiLogin(server);
      const profile = await request(server.url).get('/api/profile').set(bearer(token)).expect(200).expect(noCookie);
      expect(profile.body).toEqual({ userId: '1', username: 'alice', roles: ['user'] });
      await request(server.url).get('/api/profile').expect(401).expect(errorBody).expect(noCookie);
      await request(server.url)
        .get('/api/profile')
        .set(bearer(tampered(token)))
        .expect(401)
        .expect(errorBody)
        .expect(noCookie);
    });

    it('ends the session on /api/logout: the token is anonymous afterwards', async () => {
      const token = await apiLogin(server);
      await request(server.url).post('/api/logout').set(bearer(token)).expect(200, { ok: true }).expect(noCookie);
      await request(server.url).get('/api/profile').set(bearer(token)).expect(401).expect(errorBody).expect(noCookie);
    });

    it('keeps the transports apart: no cookie on /api/*, no token on the cookie routes', async () => {
      const browser = server.agent();
      await browser.post('/login').send(ALICE).expect(200);
      const cookie = browser.cookie!;
      await browser.get('/profile').expect(200);
      // The cookie's value is a valid token too: still refused where it did not arrive as one.
      const cookieValue = cookie.slice(cookie.indexOf('=') + 1);
      await request(server.url).get('/api/profile').set('Cookie', cookie).expect(401).expect(noCookie);
      await request(server.url).get('/api/profile').set(bearer(cookieValue)).expect(200).expect(noCookie);

      const token = await apiLogin(server);
      await request(server.url).get('/profile').set(bearer(token)).expect(401).expect(errorBody);
      await request(server.url).get('/api/profile').set(bearer(token)).expect(200);
    });

    it('never sets a cookie on /api/*, whatever cookie the request brings', async () => {
      const browser = server.agent();
      await browser.post('/login').send(ALICE).expect(200);
      const cookie = browser.cookie!;
      const token = await apiLogin(server);
      await request(server.url).post('/api/login').set('Cookie', cookie).send(ALICE).expect(200).expect(noCookie);
      await request(server.url)
        .post('/api/login')
        .set('Cookie', 'junk=1; __Host-sid=forged')
        .send(ALICE)
        .expect(200)
        .expect(noCookie);
      await request(server.url)
        .get('/api/profile')
        .set('Cookie', '__Host-sid=forged.value')
        .expect(401)
        .expect(noCookie);
      await request(server.url).post('/api/logout').set('Cookie', cookie).expect(200).expect(noCookie);
      await request(server.url)
        .post('/api/logout')
        .set('Cookie', cookie)
        .set(bearer(token))
        .expect(200)
        .expect(noCookie);
      // Logging out through /api did not touch the browser's session.
      await browser.get('/profile').expect(200);
    });

    it.each([
      ['an empty header', ''],
      ['the scheme alone', 'Bearer'],
      ['another scheme', 'Basic YWxpY2U6YWxpY2UtcGFzcy0xMjM='],
      ['a token without a scheme', 'abc.def'],
      ['two tokens', 'Bearer a b'],
      ['a huge token', `Bearer ${'A'.repeat(8000)}`],
      ['a huge header', 'x'.repeat(8000)],
      ['a well-formed token no one signed', `Bearer ${'A'.repeat(43)}.${'B'.repeat(43)}`],
      ['characters outside b64token', 'Bearer ;;;"\u00ff'],
    ])('treats %s as anonymous, never a 5xx', async (_label, authorization) => {
      await request(server.url).get('/api/profile').set('Authorization', authorization).expect(401).expect(noCookie);
      await request(server.url).post('/api/logout').set('Authorization', authorization).expect(200).expect(noCookie);
      await request(server.url).get('/profile').set('Authorization', authorization).expect(401);
      await request(server.url).get('/health').set('Authorization', authorization).expect(200);
    });
  });

  describe.each(PLATFORMS)(`on %s with an idle timeout of ${IDLE_TIMEOUT} ms`, (platform) => {
    const server = useSampleServer(() => database.db.url, { platform, idleTimeout: IDLE_TIMEOUT });

    it('refuses an expired token', async () => {
      const token = await apiLogin(server);
      await request(server.url).get('/api/profile').set(bearer(token)).expect(200);
      await sleep(IDLE_TIMEOUT + 200);
      await request(server.url).get('/api/profile').set(bearer(token)).expect(401).expect(errorBody).expect(noCookie);
    });
  });

  describe.each(PLATFORMS)(`on %s with renewAfter ${RENEW_AFTER} ms`, (platform) => {
    const server = useSampleServer(() => database.db.url, { platform, renewAfter: RENEW_AFTER });

    it('sends the renewed token in Session-Token, and the new one works', async () => {
      const token = await apiLogin(server);
      await sleep(RENEW_AFTER + 100);
      const renewal = await request(server.url).get('/api/profile').set(bearer(token)).expect(200).expect(noCookie);
      const renewed = renewal.headers['session-token'] as string | undefined;
      expect(renewed).toMatch(SIGNED_ID);
      expect(renewed).not.toBe(token);
      expect(renewal.headers['cache-control']).toBe('no-store');
      const next = await request(server.url).get('/api/profile').set(bearer(renewed!)).expect(200).expect(noCookie);
      expect(next.body).toEqual({ userId: '1', username: 'alice', roles: ['user'] });
      // The same token again within renewAfter: nothing new to send.
      expect(next.headers['session-token']).toBeUndefined();
    });
  });
});
