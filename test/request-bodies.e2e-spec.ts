import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { errorBody } from './utils/http-expectations';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
/** The sample reads request bodies up to 100 KiB on both platforms. */
const BODY_LIMIT = 100 * 1024;

describe('request bodies (the sample reads JSON only, alike on every platform)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('bodies');
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe.each(PLATFORMS)('on %s', (platform) => {
    const server = useSampleServer(() => db.url, { platform });

    it('answers 413 {"error"} for a JSON body over the limit, and 200 just under it', async () => {
      const padded = (size: number) => {
        const json = JSON.stringify({ ...ALICE, padding: '' });
        return json.replace('"padding":""', `"padding":"${'x'.repeat(size - json.length)}"`);
      };
      await server
        .agent()
        .post('/login')
        .type('json')
        .send(padded(BODY_LIMIT + 1))
        .expect(413)
        .expect(errorBody);
      await server.agent().post('/login').type('json').send(padded(BODY_LIMIT)).expect(200);
    });

    it('takes an empty JSON body as {}', async () => {
      await server.agent().post('/logout').type('json').send('').expect(200, { ok: true });
      await server.agent().post('/login').type('json').send('').expect(400).expect(errorBody);
    });

    it.each([
      ['null', 'null'],
      ['a number', '42'],
      ['a string', '"alice"'],
    ])('answers 400 {"error"} for a JSON body that is %s, not an object or an array', async (_, body) => {
      await server.agent().post('/logout').type('json').send(body).expect(400).expect(errorBody);
    });

    it('ignores a body that is not JSON: the route runs without one', async () => {
      await server.agent().post('/logout').type('form').send(ALICE).expect(200, { ok: true });
      await server.agent().post('/logout').type('text').send('bye').expect(200, { ok: true });
      await server.agent().post('/cart').type('text').send('{"itemId":"apple"}').expect(400).expect(errorBody);
    });
  });
});
