import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { PLATFORMS } from './utils/platforms';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import { errorBody } from './utils/http-expectations';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const WRITERS = 30;

describe('concurrent requests', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('concurrency');
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe.each(PLATFORMS)('on %s', (platform) => {
    let first: SampleServer;
    let second: SampleServer;

    beforeAll(async () => {
      first = await startSampleServer(db.url, { platform });
      second = await startSampleServer(db.url, { platform });
    });
    afterAll(async () => {
      await Promise.all([first?.close(), second?.close()]);
    });

    describe('with one cookie on one instance', () => {
      it(`keeps all ${WRITERS} keys written at the same time`, async () => {
        const agent = first.agent();
        await agent.put('/kv/seed').send({ value: 'planted' }).expect(200, { ok: true });
        const cookie = agent.cookie!;

        await Promise.all(
          Array.from({ length: WRITERS }, (_, i) =>
            first.agent(cookie).put(`/kv/k${i}`).send({ value: i }).expect(200, { ok: true }),
          ),
        );

        const expected = Object.fromEntries(Array.from({ length: WRITERS }, (_, i) => [`k${i}`, i]));
        await agent.get('/kv').expect(200, { kv: { seed: 'planted', ...expected } });
      });

      it('keeps one of the written values when the same key is written at the same time', async () => {
        const agent = first.agent();
        await agent.put('/kv/other').send({ value: 'untouched' }).expect(200);
        const cookie = agent.cookie!;
        const written = Array.from({ length: WRITERS }, (_, i) => `value-${i}`);

        await Promise.all(written.map((value) => first.agent(cookie).put('/kv/same').send({ value }).expect(200)));

        const { body } = await agent.get('/kv').expect(200);
        expect(Object.keys(body.kv).sort()).toEqual(['other', 'same']);
        expect(body.kv.other).toBe('untouched');
        expect(written).toContain(body.kv.same);
        // Last writer wins: one more write replaces it.
        await agent.put('/kv/same').send({ value: 'final' }).expect(200);
        await agent.get('/kv').expect(200, { kv: { other: 'untouched', same: 'final' } });
      });
    });

    describe('with two instances on one database', () => {
      it('shares the login: log in on one, use it on the other', async () => {
        const onFirst = first.agent();
        const login = await onFirst.post('/login').send(ALICE).expect(200);
        const onSecond = second.agent(onFirst.cookie);
        await onSecond.get('/profile').expect(200, { userId: login.body.user.id, username: 'alice', roles: ['user'] });
        await onSecond.get('/admin').expect(403).expect(errorBody);
      });

      it('ends the login everywhere when one instance logs out', async () => {
        const onFirst = first.agent();
        await onFirst.post('/login').send(ALICE).expect(200);
        const onSecond = second.agent(onFirst.cookie);
        await onSecond.get('/profile').expect(200);

        await onSecond.post('/logout').expect(200);

        await onFirst.get('/profile').expect(401).expect(errorBody);
        await onFirst.get('/counter').expect(200, { visits: 1 });
      });

      it('shares the data: the counter and the cart go on across instances', async () => {
        const onFirst = first.agent();
        await onFirst.get('/counter').expect(200, { visits: 1 });
        const onSecond = second.agent(onFirst.cookie);
        await onSecond.get('/counter').expect(200, { visits: 2 });
        await onFirst.get('/counter').expect(200, { visits: 3 });
        await onSecond
          .post('/cart')
          .send({ itemId: 'lamp' })
          .expect(200, { cart: ['lamp'] });
        await onFirst
          .post('/cart')
          .send({ itemId: 'bulb' })
          .expect(200, { cart: ['lamp', 'bulb'] });
        await onSecond.get('/counter').expect(200, { visits: 4 });
        await onSecond.get('/cart').expect(200, { cart: ['lamp', 'bulb'] });
      });

      it('keeps concurrent writes to different keys sent to both instances', async () => {
        const agent = first.agent();
        await agent.put('/kv/seed').send({ value: 0 }).expect(200);
        const cookie = agent.cookie!;

        await Promise.all(
          Array.from({ length: WRITERS }, (_, i) =>
            (i % 2 === 0 ? first : second).agent(cookie).put(`/kv/k${i}`).send({ value: i }).expect(200),
          ),
        );

        const { body } = await second.agent(cookie).get('/kv').expect(200);
        expect(Object.keys(body.kv)).toHaveLength(WRITERS + 1);
        Array.from({ length: WRITERS }, (_, i) => expect(body.kv[`k${i}`]).toBe(i));
      });
    });
  });
});
