import { existsSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { CLUSTER_SLOTS, slotsIn } from './utils/redis-cluster-topology';
import { deleteKeysUnder, uniqueRedisPrefix } from './utils/redis-keyspace';
import { ThrowawayRedis } from './utils/throwaway-redis';
import { ThrowawayRedisCluster } from './utils/throwaway-redis-cluster';
import { waitUntil } from './utils/wait-until';

/** The harness itself, on real servers: what the Redis store's fault tests rely on. */
describe('ThrowawayRedisCluster', () => {
  let cluster: ThrowawayRedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await ThrowawayRedisCluster.create();
    client = new Cluster(cluster.seeds(), { scaleReads: 'master' });
  }, 60_000);

  afterAll(async () => {
    if (client?.status !== 'end') {
      client?.disconnect();
    }
    await cluster?.destroy();
  });

  it('starts three masters with a replica each, serving all slots', async () => {
    const { masters, replicas } = await cluster.topology();
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    expect(new Set(replicas.map((replica) => replica.masterId))).toEqual(new Set(masters.map((master) => master.id)));
    const served = masters.flatMap((master) => master.slots).reduce((sum, [first, last]) => sum + last - first + 1, 0);
    expect(served).toBe(CLUSTER_SLOTS);
    expect(cluster.seedList()).toBe(cluster.ports.map((port) => `127.0.0.1:${port}`).join(','));
  });

  it('stores keys on every master through a cluster client', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `harness:spread:${i}`);
    await Promise.all(keys.map((key) => client.set(key, key)));
    expect(await Promise.all(keys.map((key) => client.get(key)))).toEqual(keys);
    const homes = await Promise.all(keys.map((key) => cluster.masterOf(cluster.slotOf(key))));
    expect(new Set(homes).size).toBe(3);
  });

  it('fails a killed master over to its replica, which has the replicated write, and takes the master back as a replica', async () => {
    const key = 'harness:failover';
    const victim = await cluster.masterOf(cluster.slotOf(key));
    const before = await cluster.topology();
    const victimId = before.nodes.find((node) => node.port === victim)!.id;
    const direct = new Redis({ port: victim, host: '127.0.0.1' });
    try {
      await direct.set(key, 'kept');
      expect(await direct.wait(1, 1000)).toBe(1);
    } finally {
      direct.disconnect();
    }

    await cluster.kill(victim);
    const promoted = await cluster.waitForPromotion(victim);

    const formerReplicas = before.replicas
      .filter((replica) => replica.masterId === victimId)
      .map((replica) => replica.port);
    expect(formerReplicas).toContain(promoted);
    expect(await cluster.masterOf(cluster.slotOf(key))).toBe(promoted);
    const onPromoted = new Redis({ port: promoted, host: '127.0.0.1' });
    try {
      expect(await onPromoted.get(key)).toBe('kept');
    } finally {
      onPromoted.disconnect();
    }
    expect(await client.get(key)).toBe('kept');

    await cluster.restart(victim);
    const after = await cluster.topology();
    const promotedId = after.nodes.find((node) => node.port === promoted)!.id;
    expect(after.replicas.find((node) => node.port === victim)?.masterId).toBe(promotedId);
  }, 60_000);

  it('moves slots with their keys between masters while clients run: no command fails', async () => {
    const { masters } = await cluster.topology();
    const [from, to] = masters;
    // One key per slot of `from`'s first 600 (redis-cli moves a master's lowest slots first, so the traffic meets the migration).
    const bySlot = new Map<number, string>();
    const wanted = new Set(slotsIn(from.slots).slice(0, 600));
    for (let i = 0; bySlot.size < wanted.size; i++) {
      const key = `harness:move:{${i}}`;
      const slot = cluster.slotOf(key);
      if (wanted.has(slot) && !bySlot.has(slot)) {
        bySlot.set(slot, key);
      }
    }
    const keys = [...bySlot.entries()].sort(([a], [b]) => a - b).map(([, key]) => key);
    await Promise.all(keys.map((key) => client.set(key, '0')));

    const failures: string[] = [];
    const latest = new Map<string, string>();
    let commands = 0;
    let stop = false;
    const lanes = [0, 1, 2, 3].map((lane) =>
      (async () => {
        for (let round = 0; !stop; round++) {
          for (let i = lane; i < keys.length && !stop; i += 4) {
            const value = String(round + 1);
            try {
              await client.set(keys[i], value);
              const read = await client.get(keys[i]);
              commands += 2;
              if (read !== value) {
                failures.push(`${keys[i]}: wrote ${value}, read ${read}`);
              }
              latest.set(keys[i], value);
            } catch (error) {
              failures.push(`${keys[i]}: ${(error as Error).message}`);
            }
          }
        }
      })(),
    );
    let moved: number[];
    try {
      moved = await cluster.moveSlots(from.port, to.port, 300, { pipeline: 1 });
    } finally {
      stop = true;
      await Promise.all(lanes);
    }

    expect(failures).toEqual([]);
    expect(commands).toBeGreaterThan(0);
    expect(moved).toHaveLength(300);
    const onTarget = new Redis({ port: to.port, host: '127.0.0.1' });
    try {
      for (const slot of moved.filter((slot) => bySlot.has(slot))) {
        const key = bySlot.get(slot)!;
        expect(await onTarget.get(key)).toBe(latest.get(key) ?? '0');
      }
    } finally {
      onTarget.disconnect();
    }
    expect(await cluster.masterOf(moved[0])).toBe(to.port);
  }, 60_000);

  it('deletes the keys under a prefix on every master, and only those', async () => {
    const prefix = uniqueRedisPrefix('harness');
    const keys = Array.from({ length: 40 }, (_, i) => `${prefix}${i}`);
    await Promise.all([...keys, 'harness:other'].map((key) => client.set(key, '1')));
    expect(await deleteKeysUnder(client, prefix)).toBe(keys.length);
    expect(await Promise.all(keys.map((key) => client.exists(key)))).toEqual(keys.map(() => 0));
    expect(await client.get('harness:other')).toBe('1');
  });

  it('flushes every master, then destroys every node and its files', async () => {
    await cluster.flushAll();
    expect(await client.get('harness:failover')).toBeNull();
    client.disconnect();

    const pids = cluster.pids();
    expect(pids).toHaveLength(6);
    await cluster.destroy();
    await cluster.destroy();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(cluster.dir)).toBe(false);
  });
});

describe('ThrowawayRedis', () => {
  let redis: ThrowawayRedis;
  let client: Redis;

  beforeAll(async () => {
    redis = await ThrowawayRedis.create();
  });

  afterAll(async () => {
    if (client?.status !== 'end') {
      client?.disconnect();
    }
    await redis?.destroy();
  });

  it('crashes, freezes and comes back on the same port, then leaves nothing behind', async () => {
    // No retries and no queue while disconnected: a command to a server that is down fails at once.
    client = new Redis(redis.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      commandTimeout: 500,
      retryStrategy: () => 100,
    });
    client.on('error', () => undefined);
    await client.connect();
    await client.set('k', 'v');

    await redis.stop();
    await expect(client.get('k')).rejects.toThrow();
    await redis.start();
    await waitUntil(async () => (await client.ping().catch(() => undefined)) === 'PONG');
    expect(await client.get('k')).toBeNull();

    redis.freeze();
    await expect(client.get('k')).rejects.toThrow(/timed out/);
    redis.thaw();
    expect(await client.ping()).toBe('PONG');
    await redis.pause(50);
    expect(await client.ping()).toBe('PONG');

    await redis.stop('SIGTERM');
    expect(redis.running).toBe(false);
    await redis.start();
    await waitUntil(async () => (await client.ping().catch(() => undefined)) === 'PONG');
    client.disconnect();

    const pid = redis.pid!;
    await redis.destroy();
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(redis.dir)).toBe(false);
  });
});

describe('a unique prefix on the shared Redis', () => {
  it('is new each time, and deleteKeysUnder leaves nothing under it', async () => {
    const prefix = uniqueRedisPrefix('harness');
    expect(prefix).toMatch(/^sess:test-harness-[0-9a-f]{8}:$/);
    expect(uniqueRedisPrefix('harness')).not.toBe(prefix);
    const shared = new Redis('redis://127.0.0.1:6379');
    try {
      // A glob character in the prefix is taken literally: the second key does not start with it.
      const glob = `${prefix}[a]*:`;
      await shared.set(`${glob}1`, '1');
      await shared.set(`${prefix}a:1`, '1');
      expect(await deleteKeysUnder(shared, glob)).toBe(1);
      expect(await deleteKeysUnder(shared, prefix)).toBe(1);
      expect(await shared.keys(`${prefix}*`)).toEqual([]);
    } finally {
      await shared.quit();
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
