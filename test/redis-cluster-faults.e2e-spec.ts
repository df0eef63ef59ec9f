import { randomBytes } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import type { SessionAgent } from './utils/session-agent';
import { hashSessionId, sessionIdOf } from './utils/session-cookie';
import { ThrowawayRedisCluster } from './utils/throwaway-redis-cluster';
import { waitUntil } from './utils/wait-until';

/** A session of the test, and the ports of the primaries serving its keys (its ID pointer and its hash) when it was made. */
interface PlacedSession {
  agent: SessionAgent;
  value: string;
  ports: number[];
}

const SESSIONS = 48;

/**
 * The Redis store on a six-node Redis Cluster of the file's own, while it fails: a primary killed
 * under load, then slots moved between primaries while requests run.
 */
describe('the Redis store on a Redis Cluster that fails over and reshards', () => {
  const prefix = `sess:faults-${randomBytes(3).toString('hex')}:`;
  let cluster: ThrowawayRedisCluster;
  let admin: Cluster;
  /** Writes are answered once a replica has them (waitForReplicas: 1). */
  let durable: SampleServer;
  /** The same sessions, without waiting for replicas. */
  let available: SampleServer;

  beforeAll(async () => {
    cluster = await ThrowawayRedisCluster.create();
    admin = new Cluster(cluster.seeds(), { scaleReads: 'master' });
    const common = {
      store: 'redis',
      redisClusterNodes: cluster.seedList().split(','),
      redisPrefix: prefix,
      storeTimeout: 1000,
    } as const;
    durable = await startSampleServer('', { ...common, redisWaitForReplicas: 1 });
    available = await startSampleServer('', common);
  }, 60_000);

  afterAll(async () => {
    await durable?.close();
    await available?.close();
    admin?.disconnect();
    await cluster?.destroy();
  });

  const pointerOf = (agent: SessionAgent) => `${prefix}id:${hashSessionId(sessionIdOf(agent.cookie!))}`;

  /** The slot of a session's hash, `sess:{<handle>}`. */
  async function slotOfSession(agent: SessionAgent): Promise<number> {
    return calculateSlot(`${prefix}{${await admin.get(pointerOf(agent))}}`);
  }

  /** Where a session's keys live: the primaries serving its ID pointer's slot and its hash's. */
  async function portsOf(agent: SessionAgent): Promise<number[]> {
    const slots = [calculateSlot(pointerOf(agent)), await slotOfSession(agent)];
    return Promise.all(slots.map((slot) => cluster.masterOf(slot)));
  }

  async function placeSessions(server: SampleServer): Promise<PlacedSession[]> {
    const sessions: PlacedSession[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const agent = server.agent();
      const value = `v${i}-${randomBytes(4).toString('hex')}`;
      await agent.put('/kv/acknowledged').send({ value }).expect(200);
      sessions.push({ agent, value, ports: await portsOf(agent) });
    }
    return sessions;
  }

  /** The same client on the other app (the two share the cluster and the prefix). */
  const on = (server: SampleServer, session: PlacedSession) => server.agent(session.agent.cookie);

  it('kills a primary under load: sessions without a key on it never fail, the others get 503 until a replica takes over, then work, with every acknowledged write', async () => {
    const sessions = await placeSessions(durable);
    // A lookup reads the ID pointer, then the hash: a session depends on the shards of both.
    const victim = sessions[0].ports[1];
    const onVictim = sessions.filter((session) => session.ports.includes(victim));
    const elsewhere = sessions.filter((session) => !session.ports.includes(victim));
    expect(onVictim.length).toBeGreaterThan(0);
    expect(elsewhere.length).toBeGreaterThan(0);

    const statuses = { victim: new Map<number, number>(), elsewhere: new Map<number, number>() };
    const count = (map: Map<number, number>, status: number) => map.set(status, (map.get(status) ?? 0) + 1);
    let promoted = false;
    const okAfterPromotion: boolean[] = [];
    let stop = false;
    const load = (group: PlacedSession[], tally: Map<number, number>, afterPromotion?: boolean[]) =>
      (async () => {
        for (let round = 0; !stop; round++) {
          const session = group[round % group.length];
          const response = await on(available, session).get('/kv');
          count(tally, response.status);
          if (promoted && afterPromotion) {
            afterPromotion.push(response.status === 200);
          }
        }
      })();
    const loads = [
      load(onVictim, statuses.victim, okAfterPromotion),
      load(elsewhere, statuses.elsewhere),
      load(elsewhere.slice().reverse(), statuses.elsewhere),
    ];

    await cluster.kill(victim);
    await cluster.waitForPromotion(victim);
    promoted = true;
    // Served again once the client has seen the new primary: then every request succeeds.
    await waitUntil(() => okAfterPromotion.slice(-20).length === 20 && okAfterPromotion.slice(-20).every(Boolean));
    stop = true;
    await Promise.all(loads);

    expect([...statuses.elsewhere.keys()]).toEqual([200]);
    expect([...statuses.victim.keys()].every((status) => status === 200 || status === 503)).toBe(true);
    for (const session of sessions) {
      const { body } = await on(available, session).get('/kv').expect(200);
      expect(body).toEqual({ kv: { acknowledged: session.value } });
    }
    // The promoted replica has no replica of its own yet: a durable write to it is refused, not lost.
    await on(durable, onVictim[0]).put('/kv/later').send({ value: 'x' }).expect(503);
    await cluster.restart(victim);
    await waitUntil(async () => (await on(durable, onVictim[0]).put('/kv/later').send({ value: 'x' })).status === 200);
  }, 90_000);

  it('moves slots between primaries while requests run: none fails', async () => {
    const sessions = await placeSessions(available);
    const { masters } = await cluster.topology();
    const [from, to] = masters;
    const failures: string[] = [];
    let stop = false;
    const loads = [0, 1, 2].map((lane) =>
      (async () => {
        for (let round = lane; !stop; round += 3) {
          const session = sessions[round % sessions.length];
          const write = await on(available, session)
            .put('/kv/round')
            .send({ value: String(round) });
          const read = await on(available, session).get('/kv');
          for (const response of [write, read]) {
            if (response.status !== 200) {
              failures.push(`${response.status} ${JSON.stringify(response.body)}`);
            }
          }
        }
      })(),
    );
    const moved = await cluster.moveSlots(from.port, to.port, 2000, { pipeline: 1 });
    await cluster.moveSlots(to.port, from.port, 1000, { pipeline: 1 });
    stop = true;
    await Promise.all(loads);
    // The sessions whose hashes moved, both ways, while they were read and written.
    const movedHashes = await Promise.all(
      sessions.map(async ({ agent }) => moved.includes(await slotOfSession(agent))),
    );
    expect(movedHashes.filter(Boolean).length).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    for (const session of sessions) {
      const { body } = await on(available, session).get('/kv').expect(200);
      expect((body as { kv: Record<string, string> }).kv.acknowledged).toBe(session.value);
    }
  }, 90_000);
});
