import { Controller, Get, type INestApplication, UseGuards } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { parseSetCookie } from 'cookie';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { copySessions, Session, SessionAuthGuard, SessionModule } from '../src';
import { exportExpressSessions, SessionEntity, TypeOrmSessionStore } from '../src/typeorm';
import { startExpressSessionApp, type ExpressSessionApp } from './utils/express-session-app';
import { listenFixtureApp } from './utils/fixture-app';
import { createMigratedDataSource } from './utils/migrated-data-source';
import { PLATFORMS } from './utils/platforms';
import { TEST_SECRET } from './utils/sample-app';
import { hashSessionId, SESSION_COOKIE, sessionSetCookie, setCookieHeaders } from './utils/session-cookie';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const LEGACY = 'connect.sid';
const DAY = 86_400_000;

@Controller()
class MigratedController {
  @Get('me')
  @UseGuards(SessionAuthGuard)
  me(@Session() session: Session<{ cart: string[] }>): { userId: string; cart: string[] } {
    return { userId: session.user!.id, cart: session.get('cart') ?? [] };
  }

  @Get('counter')
  counter(@Session() session: Session<{ visits: number }>): { visits: number } {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return { visits };
  }
}

/** `s:<id>.<signature>` inside a `connect.sid=...` pair. */
const legacyValue = (pair: string) => decodeURIComponent(pair.slice(LEGACY.length + 1));
const legacyIdOf = (pair: string) => legacyValue(pair).slice(2, legacyValue(pair).lastIndexOf('.'));
const legacyPair = (value: string) => `${LEGACY}=${encodeURIComponent(value)}`;
const signedWith = (id: string, secret: string) =>
  legacyPair(`s:${id}.${createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '')}`);

/** The legacy cookie the response cleared, if it did. */
function clearedLegacy(response: request.Response) {
  return setCookieHeaders(response)
    .map((header) => parseSetCookie(header))
    .find((cookie) => cookie.name === LEGACY && cookie.value === '' && cookie.expires?.getTime() === 0);
}

/** From express-session with connect-pg-simple to this module: the copy, then the old cookies on first use. */
describe('moving from express-session and connect-pg-simple', () => {
  let db: TestDatabase;
  let legacyApp: ExpressSessionApp;
  let dataSource: DataSource;

  const copy = () =>
    copySessions(
      exportExpressSessions(dataSource, {
        batchSize: 2,
        mapUser: (sess) => {
          const user = (sess.passport as { user?: string } | undefined)?.user;
          return user ? { id: user, roles: ['member'] } : null;
        },
      }),
      new TypeOrmSessionStore(dataSource),
    );

  beforeAll(async () => {
    db = await createTestDatabase('express_session');
    legacyApp = await startExpressSessionApp(db.url, TEST_SECRET);
    dataSource = await createMigratedDataSource(db.url, { entities: [SessionEntity] });
  });

  afterAll(async () => {
    await legacyApp?.close();
    await dataSource?.destroy();
    await db?.drop();
  });

  it('exports the live sessions under the hash of their ID, with the user, the data and the lifetime', async () => {
    const remembered = await legacyApp.cookieFrom('post', '/login?user=carol&remember=1');
    const visitor = await legacyApp.cookieFrom('get', '/counter');
    const expired = await legacyApp.cookieFrom('get', '/counter');
    await dataSource.query(`UPDATE session SET expire = now() - interval '1 second' WHERE sid = $1`, [
      legacyIdOf(expired),
    ]);

    const exported = [];
    for await (const batch of exportExpressSessions(dataSource, {
      batchSize: 1,
      mapUser: (sess) => (sess.passport ? { id: (sess.passport as { user: string }).user, roles: [] } : null),
    })) {
      expect(batch).toHaveLength(1);
      exported.push(...batch);
    }
    const byHash = new Map(exported.map((entry) => [entry.idHash, entry.session]));
    expect(byHash.has(hashSessionId(legacyIdOf(expired)))).toBe(false);
    const carol = byHash.get(hashSessionId(legacyIdOf(remembered)));
    expect(carol).toMatchObject({
      userId: 'carol',
      data: { passport: { user: 'carol' }, cart: ['socks'], __user: { id: 'carol', roles: [] } },
    });
    expect(carol!.data).not.toHaveProperty('cookie');
    expect(carol!.lifetime).toBe(30 * DAY);
    expect(carol!.expiresAt).toBe(carol!.absoluteExpiresAt);
    expect(carol!.expiresAt).toBeGreaterThan(Date.now() + 29 * DAY);
    const anonymous = byHash.get(hashSessionId(legacyIdOf(visitor)));
    expect(anonymous).toMatchObject({ userId: null, lifetime: null, data: { visits: 1 } });
    expect(anonymous!.expiresAt).toBeLessThanOrEqual(Date.now() + DAY);
  });

  describe.each(PLATFORMS)('then on %s with legacyCookie', (platform) => {
    let app: INestApplication;
    let url: string;
    let alice: string;
    let bob: string;
    let visitor: string;

    beforeAll(async () => {
      alice = await legacyApp.cookieFrom('post', '/login?user=alice&remember=1');
      bob = await legacyApp.cookieFrom('post', '/login?user=bob');
      visitor = await legacyApp.cookieFrom('get', '/counter');
      // The copy is one pass at the switch (a session already copied is refused): start from an empty table.
      await dataSource.query('DELETE FROM sessions');
      await copy();
      app = await listenFixtureApp(platform, {
        imports: [
          SessionModule.forRoot({
            secret: TEST_SECRET,
            store: new TypeOrmSessionStore(dataSource),
            legacyCookie: { name: LEGACY },
            renewalGracePeriod: 0,
            cleanupInterval: 0,
          }),
        ],
        controllers: [MigratedController],
      });
      url = await app.getUrl();
    });

    afterAll(async () => {
      await app?.close();
    });

    it('serves the old cookie logged in with its data, once: it re-issues our cookie and clears the old one', async () => {
      const first = await request(url)
        .get('/me')
        .set('Cookie', alice)
        .expect(200, { userId: 'alice', cart: ['socks'] });
      const ours = sessionSetCookie(first);
      expect(ours?.value).toBeTruthy();
      // The persistent express-session cookie stays persistent.
      expect(ours!.maxAge).toBeGreaterThan((29 * DAY) / 1000);
      expect(clearedLegacy(first)).toBeDefined();

      const again = await request(url)
        .get('/me')
        .set('Cookie', `${SESSION_COOKIE}=${ours!.value}`)
        .expect(200, { userId: 'alice', cart: ['socks'] });
      expect(clearedLegacy(again)).toBeUndefined();
      await request(url).get('/me').set('Cookie', alice).expect(401);
    });

    it('keeps the data of an anonymous session, under a browser-session cookie of ours', async () => {
      const first = await request(url).get('/counter').set('Cookie', visitor).expect(200, { visits: 2 });
      const ours = sessionSetCookie(first);
      expect(ours?.value).toBeTruthy();
      expect(ours!.maxAge).toBeUndefined();
      await request(url).get('/counter').set('Cookie', `${SESSION_COOKIE}=${ours!.value}`).expect(200, { visits: 3 });
    });

    it('answers a forged or malformed old cookie as anonymous, and clears it', async () => {
      const id = legacyIdOf(bob);
      const value = legacyValue(bob);
      const flipped = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
      const forged = [
        legacyPair(flipped),
        signedWith(id, 'another-secret-0123456789-abcdefghijklmnop'),
        legacyPair(id),
        legacyPair(`s:${id}`),
        legacyPair('s:'),
        legacyPair('s:.'),
        `${LEGACY}=%ZZ`,
        legacyPair(`s:${'x'.repeat(5000)}.${'y'.repeat(43)}`),
      ];
      for (const cookie of forged) {
        await request(url).get('/me').set('Cookie', cookie).expect(401);
        const anonymous = await request(url).get('/counter').set('Cookie', cookie).expect(200, { visits: 1 });
        expect(clearedLegacy(anonymous)).toBeDefined();
      }
      // Beside a valid cookie of ours, the old one is only cleared: it names no session for this request.
      const ours = sessionSetCookie(await request(url).get('/counter').expect(200, { visits: 1 }));
      const both = await request(url)
        .get('/counter')
        .set('Cookie', `${SESSION_COOKIE}=${ours!.value}; ${bob}`)
        .expect(200, { visits: 2 });
      expect(clearedLegacy(both)).toBeDefined();
      // What made them anonymous is the signature: bob's session is there for his real cookie.
      await request(url)
        .get('/me')
        .set('Cookie', bob)
        .expect(200, { userId: 'bob', cart: ['socks'] });
    });
  });
});
