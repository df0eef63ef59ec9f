import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  SessionDataRejectedError,
  SessionStoreUnavailableError,
  type SessionWriteOptions,
  type StoredSession,
} from '../src';
import { TypeOrmSessionStore } from '../src/typeorm';
import { SESSION_DEFAULTS } from '../src/core/session.constants';
import { errorBody } from './utils/http-expectations';
import { createMigratedDataSource } from './utils/migrated-data-source';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';
import type { SessionAgent } from './utils/session-agent';
import { NOW, randomIdHash, storedSession } from '../src/testing';
import { useSessionsDatabase } from './utils/sessions-database';

/** `{"value": <depth arrays nested in one another>}`, as JSON text. */
const nestedArrays = (depth: number): string => `{"value":${'['.repeat(depth)}${']'.repeat(depth)}}`;

/** `{"value": {"a": {"a": ... 1}}}` with `depth` objects, as JSON text. */
const nestedObjects = (depth: number): string => `{"value":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

/** Raw JSON texts whose value the session must refuse, each written so the parser builds what the label says. */
const UNSTORABLE_BODIES: Array<[string, string]> = [
  ['a NUL character in a string', '{"value":"a\\u0000b"}'],
  ['a NUL character deep inside', '{"value":{"list":[1,{"text":"\\u0000"}]}}'],
  ['a NUL character in an object key inside the value', '{"value":{"a\\u0000b":1}}'],
  ['a lone high surrogate', '{"value":"\\ud800"}'],
  ['a lone low surrogate after text', '{"value":"x\\udc00y"}'],
  ['a lone surrogate in an object key inside the value', '{"value":{"\\ud800":true}}'],
  ['arrays nested 5,000 deep', nestedArrays(5000)],
  ['objects nested 5,000 deep', nestedObjects(5000)],
  ['arrays nested 50,000 deep, near the largest body accepted', nestedArrays(50_000)],
  ['nesting one level past the limit', nestedArrays(SESSION_DEFAULTS.maxValueDepth + 1)],
];

describe('client input the session cannot store', () => {
  const database = useSessionsDatabase('bad_input');
  let errorLog: jest.SpyInstance;

  beforeEach(() => {
    errorLog = jest.spyOn(Logger.prototype, 'error');
  });

  afterEach(() => {
    const logged = errorLog.mock.calls.map(([message]: unknown[]) => String(message));
    errorLog.mockRestore();
    // No input from a client may look like an outage in the logs.
    expect(logged).toEqual([]);
  });

  describe.each(PLATFORMS)('through the sample on %s', (platform) => {
    const server = useSampleServer(() => database.db.url, { platform });

    /** A client whose session already holds `kv: {kept: "yes"}`. */
    async function agentWithContent(): Promise<SessionAgent> {
      const agent = server.agent();
      await agent.put('/kv/kept').send({ value: 'yes' }).expect(200, { ok: true });
      return agent;
    }

    it.each(UNSTORABLE_BODIES)('PUT /kv/:key with %s answers 400, keeping the session', async (_label, body) => {
      const agent = await agentWithContent();
      await agent.put('/kv/bad').set('Content-Type', 'application/json').send(body).expect(400).expect(errorBody);
      await agent.get('/kv').expect(200, { kv: { kept: 'yes' } });
    });

    it('PUT /kv/:key with a NUL character in the key (%00) answers 400 naming it, and keeps the session', async () => {
      const agent = await agentWithContent();
      const response = await agent.put('/kv/a%00b').send({ value: 1 }).expect(400).expect(errorBody);
      expect(response.body.error).toMatch(/NUL/);
      await agent.get('/kv').expect(200, { kv: { kept: 'yes' } });
    });

    it('PUT /kv/:key with a key that is not UTF-8 (an encoded lone surrogate) answers 400', async () => {
      const agent = await agentWithContent();
      // On Fastify the router refuses the URL before Nest runs: the sample's frameworkErrors answers it.
      await agent.put('/kv/a%ED%A0%80').send({ value: 1 }).expect(400).expect(errorBody);
      await agent.put('/kv/%').send({ value: 1 }).expect(400).expect(errorBody);
      await agent.get('/kv').expect(200, { kv: { kept: 'yes' } });
    });

    it('the 400 names the problem', async () => {
      const agent = await agentWithContent();
      const put = (body: string) => agent.put('/kv/bad').set('Content-Type', 'application/json').send(body);
      expect((await put('{"value":"\\u0000"}').expect(400)).body.error).toMatch(/NUL character/);
      expect((await put('{"value":"\\ud800"}').expect(400)).body.error).toMatch(/lone surrogate/);
      expect((await put(nestedArrays(5000)).expect(400)).body.error).toMatch(
        new RegExp(`more than ${SESSION_DEFAULTS.maxValueDepth} levels`),
      );
    });

    it('accepts a value nested exactly as deep as the limit, and gives it back', async () => {
      const agent = await agentWithContent();
      const body = nestedArrays(SESSION_DEFAULTS.maxValueDepth);
      await agent.put('/kv/deep').set('Content-Type', 'application/json').send(body).expect(200, { ok: true });
      const { value } = JSON.parse(body) as { value: unknown };
      await agent.get('/kv').expect(200, { kv: { kept: 'yes', deep: value } });
    });

    it('accepts valid surrogate pairs and other control characters', async () => {
      const agent = await agentWithContent();
      await agent.put('/kv/emoji').send({ value: '😀 \u0001 \uffff' }).expect(200, { ok: true });
      await agent.get('/kv').expect(200, { kv: { kept: 'yes', emoji: '😀 \u0001 \uffff' } });
    });

    it('POST /flash works for type names that are Object.prototype members, and GET /flash returns them', async () => {
      const agent = server.agent();
      const types = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'info'];
      for (const type of types) {
        for (const message of [`first ${type}`, `second ${type}`]) {
          await agent.post('/flash').send({ type, message }).expect(200, { ok: true });
        }
      }
      // Built with fromEntries: in an object literal, "__proto__" would set the prototype instead of a key.
      const expected = {
        messages: Object.fromEntries(types.map((type) => [type, [`first ${type}`, `second ${type}`]])),
      };
      const response = await agent.get('/flash').expect(200);
      expect(response.body).toEqual(expected);
      // Own keys of the parsed body, "__proto__" included (jsonb keeps keys in an order of its own).
      expect(Object.keys((response.body as { messages: object }).messages).sort()).toEqual([...types].sort());
      await agent.get('/flash').expect(200, { messages: {} });
    });

    it('GET /flash answers no messages for a session that never had any, whatever the type names', async () => {
      await server.agent().get('/flash').expect(200, { messages: {} });
    });
  });

  describe('TypeOrmSessionStore given data PostgreSQL refuses (SQLSTATE class 22)', () => {
    let dataSource: DataSource;
    let store: TypeOrmSessionStore;

    beforeAll(async () => {
      dataSource = await createMigratedDataSource(database.db.url);
      store = new TypeOrmSessionStore(dataSource);
    });

    afterAll(async () => {
      await dataSource?.destroy();
    });

    /** Whatever `promise` rejects with; fails the test when it resolves. */
    async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
      return promise.then(
        () => {
          throw new Error('the store accepted the data');
        },
        (error: unknown) => error,
      );
    }

    it.each<[string, Record<string, unknown>]>([
      ['a NUL character (22P05)', { note: 'a\u0000b' }],
      ['a NUL character in a key (22P05)', { 'a\u0000b': 1 }],
      ['a lone surrogate (22P02)', { note: '\ud800' }],
    ])('patch with %s rejects with SessionDataRejectedError, and the store keeps working', async (_label, set) => {
      const idHash = randomIdHash();
      const session = storedSession({ data: { kept: 'yes' } });
      await store.create(idHash, session, { now: NOW });

      const error = await rejectionOf(store.patch(session.handle, { set, unset: [] }, { now: NOW }));

      expect(error).toBeInstanceOf(SessionDataRejectedError);
      expect(error).not.toBeInstanceOf(SessionStoreUnavailableError);
      expect((error as SessionDataRejectedError).sqlState).toMatch(/^22/);
      expect((await store.get(idHash))?.data).toEqual({ kept: 'yes' });
      await expect(store.patch(session.handle, { set: { fine: 1 }, unset: [] }, { now: NOW })).resolves.toBe(idHash);
    });

    it('create with a NUL character rejects with SessionDataRejectedError, also inside a transaction', async () => {
      const data = { note: '\u0000' };
      const create = (session: StoredSession, options: SessionWriteOptions) =>
        store.create(randomIdHash(), session, options);
      await expect(create(storedSession({ data }), { now: NOW })).rejects.toBeInstanceOf(SessionDataRejectedError);
      // With a session limit, the insert runs in a transaction (after the user's lock and the count).
      const limited = { now: NOW, limit: { userId: 'u1', tenant: '', max: 5, now: NOW } };
      await expect(create(storedSession({ data, userId: 'u1' }), limited)).rejects.toBeInstanceOf(
        SessionDataRejectedError,
      );
      await expect(create(storedSession({ userId: 'u1' }), limited)).resolves.toBeUndefined();
    });
  });
});
