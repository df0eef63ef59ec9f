import { randomBytes } from 'node:crypto';
import { loadSampleConfig, type SampleConfig } from '../sample/sample-config';
import { SessionCipher } from '../src/encryption/session-cipher';
import { PLATFORMS } from './utils/platforms';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import type { SessionAgent } from './utils/session-agent';
import { useSessionsDatabase } from './utils/sessions-database';

const ALICE = { username: 'alice', password: 'alice-pass-123' };
const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('base64');
const WRITERS = 20;

const keyIdOf = (key: string) => SessionCipher.keyIdOf(Buffer.from(key, 'base64'));

/** The key id of every value stored for the session; undefined for a value that is not in the encrypted format. */
function keyIdsOf(data: Record<string, unknown>): Array<string | undefined> {
  return Object.values(data).map((value) => /^enc1:([A-Za-z0-9_-]{8}):[A-Za-z0-9_-]+$/.exec(String(value))?.[1]);
}

/** The same string with one base64url character of its payload changed. */
function flipped(sealed: string): string {
  const at = sealed.length - 10;
  return sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);
}

describe('encryption at rest (SESSION_ENCRYPTION_KEYS)', () => {
  const database = useSessionsDatabase('encryption');

  it('reads SESSION_ENCRYPTION_KEYS as a comma list, and names a bad key by position without printing it', () => {
    const quiet = () => undefined;
    expect(loadSampleConfig({ SESSION_ENCRYPTION_KEYS: ` ${NEW_KEY} , ${OLD_KEY}` }, quiet).encryptionKeys).toEqual([
      NEW_KEY,
      OLD_KEY,
    ]);
    expect(loadSampleConfig({}, quiet).encryptionKeys).toBeUndefined();
    const short = randomBytes(16).toString('base64');
    const load = () => loadSampleConfig({ SESSION_ENCRYPTION_KEYS: `${NEW_KEY},${short}` }, quiet);
    expect(load).toThrow('SESSION_ENCRYPTION_KEYS: key 2 is not a base64 string of 32 bytes');
    expect(load).toThrow('openssl rand -base64 32');
    expect(load).not.toThrow(short);
  });

  describe.each(PLATFORMS)('on %s', (platform) => {
    const started: SampleServer[] = [];
    /** A sample instance with these keys, the first encrypting; closed after the test. */
    async function instance(keys: string[], overrides: Partial<SampleConfig> = {}): Promise<SampleServer> {
      const server = await startSampleServer(database.db.url, { platform, encryptionKeys: keys, ...overrides });
      started.push(server);
      return server;
    }
    afterEach(async () => {
      await Promise.all(started.splice(0).map((server) => server.close()));
    });

    async function loggedIn(server: SampleServer): Promise<SessionAgent> {
      const agent = server.agent();
      await agent.post('/login').send(ALICE).expect(200);
      return agent;
    }

    async function storedData(agent: SessionAgent): Promise<Record<string, unknown>> {
      const row = await database.table.rowOf(agent.cookie!);
      expect(row).toBeDefined();
      return row!.data;
    }

    it('stores no plaintext of the session values, and serves them decrypted', async () => {
      const server = await instance([NEW_KEY]);
      const agent = await loggedIn(server);
      await agent.put('/kv/secret').send({ value: 'needle-123' }).expect(200, { ok: true });

      await agent.get('/kv').expect(200, { kv: { secret: 'needle-123' } });
      await agent.get('/profile').expect(200);
      const everything = (await database.table.rowsAsText()).join('\n');
      expect(everything).not.toContain('needle-123');
      expect(everything).not.toContain('alice-pass');
      const data = await storedData(agent);
      expect(Object.keys(data)).toContain('kv:secret');
      expect(new Set(keyIdsOf(data))).toEqual(new Set([keyIdOf(NEW_KEY)]));
    });

    it(`keeps all ${WRITERS} keys written at the same time`, async () => {
      const server = await instance([NEW_KEY]);
      const agent = await loggedIn(server);
      const cookie = agent.cookie!;
      await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          server.agent(cookie).put(`/kv/k${i}`).send({ value: i }).expect(200, { ok: true }),
        ),
      );
      const expected = Object.fromEntries(Array.from({ length: WRITERS }, (_, i) => [`k${i}`, i]));
      await agent.get('/kv').expect(200, { kv: expected });
      expect(new Set(keyIdsOf(await storedData(agent)))).toEqual(new Set([keyIdOf(NEW_KEY)]));
    });

    it('accepts a session within SESSION_MAX_BYTES in plaintext though its ciphertext is larger, and refuses one past it', async () => {
      const server = await instance([NEW_KEY], { maxSessionBytes: 4000 });
      const agent = server.agent();
      await agent
        .put('/kv/big')
        .send({ value: 'x'.repeat(3800) })
        .expect(200, { ok: true });
      const data = await storedData(agent);
      expect(Buffer.byteLength(JSON.stringify(data))).toBeGreaterThan(4000);
      // Many small values: each grows most once encrypted.
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          server.agent(agent.cookie).put(`/kv/s${i}`).send({ value: i }).expect(200),
        ),
      );
      await agent
        .put('/kv/big')
        .send({ value: 'x'.repeat(4100) })
        .expect(413);
      const { body } = await agent.get('/kv').expect(200);
      expect(body.kv.big).toHaveLength(3800);
      expect(Object.keys(body.kv)).toHaveLength(11);
    });

    it('rotates keys without logging anyone out: old values are rewritten under the new key on the next write', async () => {
      const before = await instance([OLD_KEY]);
      const agent = await loggedIn(before);
      await agent.put('/kv/a').send({ value: 'first' }).expect(200);
      const underOld = await storedData(agent);
      expect(new Set(keyIdsOf(underOld))).toEqual(new Set([keyIdOf(OLD_KEY)]));

      const rotated = await instance([NEW_KEY, OLD_KEY]);
      const client = rotated.agent(agent.cookie);
      await client.get('/profile').expect(200);
      await client.get('/kv').expect(200, { kv: { a: 'first' } });
      // Reads write nothing.
      expect(await storedData(agent)).toEqual(underOld);

      await client.put('/kv/b').send({ value: 'second' }).expect(200);
      const underNew = await storedData(agent);
      expect(Object.keys(underNew).sort()).toEqual([...Object.keys(underOld), 'kv:b'].sort());
      expect(new Set(keyIdsOf(underNew))).toEqual(new Set([keyIdOf(NEW_KEY)]));

      const newOnly = await instance([NEW_KEY]);
      await newOnly.agent(agent.cookie).get('/profile').expect(200);
      await newOnly
        .agent(agent.cookie)
        .get('/kv')
        .expect(200, { kv: { a: 'first', b: 'second' } });
    });

    it('treats a session under a key no longer configured as anonymous, never a 500', async () => {
      const before = await instance([OLD_KEY]);
      const agent = await loggedIn(before);
      await agent.put('/kv/a').send({ value: 'first' }).expect(200);

      const newOnly = await instance([NEW_KEY]);
      await newOnly.agent(agent.cookie).get('/profile').expect(401);
      await newOnly.agent(agent.cookie).get('/kv').expect(200, { kv: {} });
    });

    describe('values changed in the store behind the app (no session cache, which would serve its copy)', () => {
      const noCache: Partial<SampleConfig> = { cacheMs: undefined };

      it('treats a session with a tampered value as anonymous', async () => {
        const server = await instance([NEW_KEY], noCache);
        const agent = await loggedIn(server);
        await agent.put('/kv/a').send({ value: 'first' }).expect(200);
        const data = await storedData(agent);
        await database.table.setKeyQuietly(agent.cookie!, 'kv:a', flipped(data['kv:a'] as string));

        await agent.clone().get('/profile').expect(401);
        await agent.clone().get('/kv').expect(200, { kv: {} });
      });

      it('treats a session whose values were swapped between keys as anonymous', async () => {
        const server = await instance([NEW_KEY], noCache);
        const agent = await loggedIn(server);
        await agent.put('/kv/p').send({ value: 'one' }).expect(200);
        await agent.put('/kv/q').send({ value: 'two' }).expect(200);
        const data = await storedData(agent);
        await database.table.setKeyQuietly(agent.cookie!, 'kv:p', data['kv:q']);
        await database.table.setKeyQuietly(agent.cookie!, 'kv:q', data['kv:p']);

        await agent.clone().get('/profile').expect(401);
        await agent.clone().get('/kv').expect(200, { kv: {} });
      });

      it('treats a value copied from another session as tampered, and a planted plaintext value as refused', async () => {
        const server = await instance([NEW_KEY], noCache);
        const victim = await loggedIn(server);
        const attacker = server.agent();
        await attacker.put('/kv/a').send({ value: 'mine' }).expect(200);
        await victim.put('/kv/a').send({ value: 'theirs' }).expect(200);
        await database.table.setKeyQuietly(attacker.cookie!, 'kv:a', (await storedData(victim))['kv:a']);
        await attacker.clone().get('/kv').expect(200, { kv: {} });

        await database.table.setKeyQuietly(victim.cookie!, 'kv:planted', 'plaintext');
        await victim.clone().get('/profile').expect(401);
      });
    });
  });
});
