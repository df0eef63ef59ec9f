import { SessionService } from '../src';
import { errorBody } from './utils/http-expectations';
import { PLATFORMS } from './utils/platforms';
import { TEST_SECRET } from './utils/sample-app';
import { useSampleServer } from './utils/sample-server';
import type { SessionAgent } from './utils/session-agent';
import { hashSessionId, SESSION_COOKIE, sessionIdOf, signedSessionCookie } from './utils/session-cookie';
import { useSessionsDatabase } from './utils/sessions-database';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const ADMIN = { username: 'admin', password: 'admin-pass-123' };
const ALICE_ID = '1';

/** One entry of `GET /sessions`. */
interface Listed {
  id: string;
  createdAt: string;
  lastActiveAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

describe("a user's sessions (/sessions)", () => {
  const database = useSessionsDatabase('user_sessions');

  describe.each(PLATFORMS)('on %s', (platform) => {
    const server = useSampleServer(() => database.db.url, { platform });
    /** A client with its own User-Agent, logged in as `user`. */
    async function device(userAgent: string, user = ALICE): Promise<SessionAgent> {
      const agent = server.agent().with({ 'user-agent': userAgent });
      await agent.post('/login').send(user).expect(200);
      return agent;
    }

    /** Alice on three devices and the admin on one, on an empty table. (Logins are slow: scrypt.) */
    async function aliceOnThreeDevices() {
      await database.table.clear();
      const [laptop, phone, tablet, admin] = await Promise.all([
        device('Laptop/1.0'),
        device('Phone/2.0'),
        device('Tablet/3.0'),
        device('AdminBrowser/1.0', ADMIN),
      ]);
      return { laptop, phone, tablet, admin };
    }

    async function listing(agent: SessionAgent): Promise<Listed[]> {
      const response = await agent.get('/sessions').expect(200);
      expect(Object.keys(response.body)).toEqual(['sessions']);
      return response.body.sessions;
    }

    const idsOf = (sessions: Listed[]): string[] => sessions.map((listed) => listed.id);
    const userAgentsOf = (sessions: Listed[]): Array<string | null> => sessions.map((listed) => listed.userAgent);

    /** The `id` under which `GET /sessions` shows the agent's own session. */
    async function idOf(agent: SessionAgent): Promise<string> {
      const current = (await listing(agent)).filter((listed) => listed.current);
      expect(current).toHaveLength(1);
      return current[0].id;
    }

    describe('GET /sessions', () => {
      let devices: Awaited<ReturnType<typeof aliceOnThreeDevices>>;
      let startedAt: number;
      let finishedAt: number;

      // These tests only read, so they share one set of logins.
      beforeAll(async () => {
        startedAt = Date.now();
        devices = await aliceOnThreeDevices();
        finishedAt = Date.now();
      });

      it('lists every live session of the user, each with its details, marking the requesting one as current', async () => {
        const { laptop, phone, tablet } = devices;
        for (const [agent, userAgent] of [
          [laptop, 'Laptop/1.0'],
          [phone, 'Phone/2.0'],
          [tablet, 'Tablet/3.0'],
        ] as const) {
          const sessions = await listing(agent);
          expect(userAgentsOf(sessions).sort()).toEqual(['Laptop/1.0', 'Phone/2.0', 'Tablet/3.0']);
          expect(userAgentsOf(sessions.filter((listed) => listed.current))).toEqual([userAgent]);
          for (const listed of sessions) {
            expect(Object.keys(listed).sort()).toEqual(
              ['createdAt', 'current', 'id', 'ip', 'lastActiveAt', 'userAgent'].sort(),
            );
            expect(listed.ip).toBe('127.0.0.1');
            for (const time of [listed.createdAt, listed.lastActiveAt]) {
              expect(new Date(time).toISOString()).toBe(time);
              expect(Date.parse(time)).toBeGreaterThanOrEqual(startedAt - 1000);
              expect(Date.parse(time)).toBeLessThanOrEqual(finishedAt + 1000);
            }
          }
          // The current one is the row the agent's own cookie points at.
          const current = sessions.find((listed) => listed.current)!;
          expect(current.id).toBe((await database.table.rowOf(agent.cookie!))!.handle);
        }
      });

      it('shows the same ids to every device of the user, and in SessionService.list()', async () => {
        const ids = idsOf(await listing(devices.laptop));
        expect(new Set(ids).size).toBe(3);
        expect(idsOf(await listing(devices.phone))).toEqual(ids);
        expect(idsOf(await listing(devices.tablet))).toEqual(ids);
        const listed = await server.app.get(SessionService).list(ALICE_ID);
        expect(listed.map((info) => info.handle)).toEqual(ids);
      });

      it("leaves out other users' sessions", async () => {
        const adminIds = idsOf(await listing(devices.admin));
        expect(adminIds).toHaveLength(1);
        const aliceIds = idsOf(await listing(devices.laptop));
        expect(aliceIds).toHaveLength(3);
        expect(aliceIds).not.toContain(adminIds[0]);
      });

      it('gives ids that are neither the cookie, nor the session ID, nor its hash, nor usable as a cookie', async () => {
        const { laptop, phone, tablet } = devices;
        const ids = idsOf(await listing(laptop));
        for (const agent of [laptop, phone, tablet]) {
          const cookieValue = agent.cookie!.slice(SESSION_COOKIE.length + 1);
          const sessionId = sessionIdOf(agent.cookie!);
          const [, signature] = cookieValue.split('.');
          for (const id of ids) {
            for (const secret of [cookieValue, sessionId, signature, hashSessionId(sessionId)]) {
              expect(id).not.toBe(secret);
              expect(secret).not.toContain(id);
              expect(id).not.toContain(secret);
            }
          }
        }
        for (const id of ids) {
          await server.agent(`${SESSION_COOKIE}=${id}`).get('/profile').expect(401);
          await server.agent(signedSessionCookie(id, TEST_SECRET)).get('/profile').expect(401);
        }
      });

      it('answers 401 to a visitor who is not logged in, with or without a session', async () => {
        await server.agent().get('/sessions').expect(401).expect(errorBody);
        const shopper = server.agent();
        await shopper.post('/cart').send({ itemId: 'socks' }).expect(200);
        await shopper.get('/sessions').expect(401).expect(errorBody);
      });

      it('lists the most recently active first', async () => {
        // A write records activity: the laptop becomes the most recently active.
        await devices.laptop.post('/cart').send({ itemId: 'socks' }).expect(200);
        await devices.phone.post('/cart').send({ itemId: 'hat' }).expect(200);
        expect(userAgentsOf(await listing(devices.tablet))).toEqual(['Phone/2.0', 'Laptop/1.0', 'Tablet/3.0']);
      });

      it('leaves out a session once it logged out', async () => {
        const spare = await device('Spare/1.0');
        expect(await listing(devices.laptop)).toHaveLength(4);
        await spare.post('/logout').expect(200);
        expect(userAgentsOf(await listing(devices.laptop)).sort()).toEqual(['Laptop/1.0', 'Phone/2.0', 'Tablet/3.0']);
      });
    });

    describe('DELETE /sessions/:id', () => {
      it('revokes that session: its cookie is anonymous from then on, the others keep working', async () => {
        const { laptop, phone, tablet } = await aliceOnThreeDevices();
        const phoneId = await idOf(phone);
        const phoneCookie = phone.cookie!;

        await laptop.delete(`/sessions/${phoneId}`).expect(200);

        await phone.get('/profile').expect(401).expect(errorBody);
        await server.agent(phoneCookie).get('/sessions').expect(401);
        expect(await database.table.rowOf(phoneCookie)).toBeUndefined();
        await laptop.get('/profile').expect(200);
        await tablet.get('/profile').expect(200);
        expect(idsOf(await listing(laptop))).not.toContain(phoneId);
      });

      it("answers 404 for an unknown id, another user's session id, or a session ID or its hash, and revokes nothing", async () => {
        const { laptop, phone, admin } = await aliceOnThreeDevices();
        const phoneSessionId = sessionIdOf(phone.cookie!);

        await laptop.delete('/sessions/AAAAAAAAAAAAAAAAAAAAAA').expect(404).expect(errorBody);
        await laptop
          .delete(`/sessions/${await idOf(admin)}`)
          .expect(404)
          .expect(errorBody);
        // Only handles name sessions here, never what the cookie carries.
        await laptop.delete(`/sessions/${phoneSessionId}`).expect(404);
        await laptop.delete(`/sessions/${hashSessionId(phoneSessionId)}`).expect(404);

        await admin.get('/admin').expect(200, { ok: true });
        await phone.get('/profile').expect(200);
        expect(await listing(laptop)).toHaveLength(3);
      });

      it('revokes the requesting session itself when given its own id', async () => {
        await database.table.clear();
        const laptop = await device('Laptop/1.0');
        await laptop.delete(`/sessions/${await idOf(laptop)}`).expect(200);
        await laptop.get('/profile').expect(401);
        expect(await database.table.count()).toBe(0);
      });
    });

    describe('DELETE /sessions/others', () => {
      it("revokes every other session of the user and says how many, leaving the current one and other users'", async () => {
        const { laptop, phone, tablet, admin } = await aliceOnThreeDevices();

        await laptop.delete('/sessions/others').expect(200, { revoked: 2 });

        await phone.get('/profile').expect(401);
        await tablet.get('/profile').expect(401);
        await laptop.get('/profile').expect(200);
        await admin.get('/profile').expect(200);
        expect(userAgentsOf(await listing(laptop))).toEqual(['Laptop/1.0']);

        await laptop.delete('/sessions/others').expect(200, { revoked: 0 });
        await laptop.get('/profile').expect(200);
      });
    });

    it('answers 401 to DELETE /sessions/:id and /sessions/others from a visitor who is not logged in, revoking nothing', async () => {
      await database.table.clear();
      const laptop = await device('Laptop/1.0');
      const laptopId = await idOf(laptop);
      const shopper = server.agent();
      await shopper.post('/cart').send({ itemId: 'socks' }).expect(200);
      for (const agent of [server.agent(), shopper]) {
        await agent.delete(`/sessions/${laptopId}`).expect(401).expect(errorBody);
        await agent.delete('/sessions/others').expect(401).expect(errorBody);
      }
      await laptop.get('/profile').expect(200);
    });

    it('SessionService.revokeAll(userId) logs the user out everywhere, as after a password change', async () => {
      const { laptop, phone, tablet, admin } = await aliceOnThreeDevices();
      const sessions = server.app.get(SessionService);
      await expect(sessions.count(ALICE_ID)).resolves.toBe(3);

      await expect(sessions.revokeAll(ALICE_ID)).resolves.toBe(3);

      for (const agent of [laptop, phone, tablet]) {
        await agent.get('/profile').expect(401);
      }
      await expect(sessions.count(ALICE_ID)).resolves.toBe(0);
      await admin.get('/profile').expect(200);
      // Logging in again works as usual.
      const again = await device('Laptop/1.0');
      await again.get('/profile').expect(200);
    });
  });
});
