import { useSessionsDatabase } from './utils/sessions-database';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';
import { errorBody } from './utils/http-expectations';

const MAX_SESSION_BYTES = 2048;
const TOO_BIG = 'x'.repeat(MAX_SESSION_BYTES + 100);
const FITS = 'y'.repeat(MAX_SESSION_BYTES / 4);

describe('session size limit', () => {
  const database = useSessionsDatabase('limits');

  describe.each(PLATFORMS)('on %s', (platform) => {
    const server = useSampleServer(() => database.db.url, { platform, maxSessionBytes: MAX_SESSION_BYTES });

    it('answers 413 {"error"} for a value that would make the session too large, and keeps the earlier content', async () => {
      const agent = server.agent();
      await agent.put('/kv/name').send({ value: 'ada' }).expect(200, { ok: true });
      const before = await database.table.rowOf(agent.cookie!);

      await agent.put('/kv/big').send({ value: TOO_BIG }).expect(413).expect(errorBody);

      await agent.get('/kv').expect(200, { kv: { name: 'ada' } });
      expect(await database.table.rowOf(agent.cookie!)).toEqual(before);
    });

    it('keeps the earlier value of a key that a too large value would replace', async () => {
      const agent = server.agent();
      await agent.put('/kv/name').send({ value: 'ada' }).expect(200);
      await agent.put('/kv/name').send({ value: TOO_BIG }).expect(413).expect(errorBody);
      await agent.get('/kv').expect(200, { kv: { name: 'ada' } });
    });

    it('still accepts a value within the limit after a rejected one', async () => {
      const agent = server.agent();
      await agent.put('/kv/name').send({ value: 'ada' }).expect(200);
      await agent.put('/kv/big').send({ value: TOO_BIG }).expect(413);
      await agent.put('/kv/fits').send({ value: FITS }).expect(200, { ok: true });
      await agent.get('/kv').expect(200, { kv: { name: 'ada', fits: FITS } });
    });

    it('counts the whole session: values that fit one by one are refused once their sum is too large', async () => {
      const agent = server.agent();
      for (const key of ['a', 'b', 'c']) {
        await agent.put(`/kv/${key}`).send({ value: FITS }).expect(200);
      }
      await agent.put('/kv/d').send({ value: FITS }).expect(413).expect(errorBody);
      await agent.get('/kv').expect(200, { kv: { a: FITS, b: FITS, c: FITS } });
    });

    it('creates no session for a new visitor whose first value is too large', async () => {
      const agent = server.agent();
      const rows = await database.table.count();
      await agent.put('/kv/big').send({ value: TOO_BIG }).expect(413).expect(errorBody);
      expect(agent.cookie).toBeUndefined();
      expect(await database.table.count()).toBe(rows);
      await agent.get('/kv').expect(200, { kv: {} });
    });
  });
});
