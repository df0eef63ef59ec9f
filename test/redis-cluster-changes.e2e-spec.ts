import { randomBytes } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import type { SessionChangeSubscription } from '../src';
import { RedisSessionStore } from '../src/redis';
import { subscriberName } from '../src/redis/redis-subscriber-connector';
import { randomIdHash, storedSession } from '../src/testing';
import { ChangeRecorder } from '../src/testing/change-recorder';
import { patchOf } from '../src/testing/fixtures';
import { redisCommand } from './utils/redis-server-process';
import { ThrowawayRedisCluster } from './utils/throwaway-redis-cluster';

/** Long enough for a failover (2 to 3 s on this cluster) and a new subscription after it. */
const RECOVERS_WITHIN = 30_000;

/**
 * The Redis store's change channel on a six-node Redis Cluster of the file's own: sharded pub/sub
 * on the primary that owns the channel's slot, and a subscription that follows the slot when that
 * primary fails over or the slot moves to another primary.
 */
describe('the Redis change channel on a Redis Cluster', () => {
  let cluster: ThrowawayRedisCluster;
  /** A prefix whose channel, `<prefix>changes`, lies in the first slot of a primary: the one a reshard moves first. */
  let prefix: string;
  let channelSlot: number;
  const stores: RedisSessionStore[] = [];
  const subscriptions: SessionChangeSubscription[] = [];

  beforeAll(async () => {
    cluster = await ThrowawayRedisCluster.create();
    channelSlot = (await cluster.topology()).masters[0].slots[0][0];
    do {
      prefix = `sess:cluster-changes-${randomBytes(4).toString('hex')}:`;
    } while (calculateSlot(`${prefix}changes`) !== channelSlot);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  const storeOnCluster = () => {
    const store = new RedisSessionStore({ clusterNodes: cluster.seedList().split(','), prefix });
    stores.push(store);
    return store;
  };

  /** A listener through one instance, and another instance (listening too, so it publishes) to write through. */
  async function listenerAndWriter(): Promise<{ recorder: ChangeRecorder; writer: RedisSessionStore }> {
    const recorder = new ChangeRecorder();
    const writer = storeOnCluster();
    subscriptions.push(storeOnCluster().subscribeToChanges(recorder));
    subscriptions.push(writer.subscribeToChanges(new ChangeRecorder()));
    await recorder.until('listening()', () => recorder.listenings === 1, RECOVERS_WITHIN);
    return { recorder, writer };
  }

  /** Writes through `writer`, one write at a time, until the listener hears one: the cluster may still be settling. */
  async function heardAfterRecovery(recorder: ChangeRecorder, writer: RedisSessionStore): Promise<void> {
    await recorder.until('listening() again', () => recorder.listenings === 2, RECOVERS_WITHIN);
    const session = storedSession({ expiresAt: Date.now() + 60_000 });
    let writing: Promise<unknown> | null = null;
    const write = () =>
      writer
        .create(randomIdHash(), session, { now: Date.now() })
        .then(() => writer.patch(session.handle, patchOf({ set: { a: 1 } }), { now: Date.now() }))
        .catch(() => undefined)
        .finally(() => (writing = null));
    await recorder.until(
      'a change made after the recovery',
      () => {
        writing ??= write();
        return recorder.versionsOf(session.handle).length > 0;
      },
      RECOVERS_WITHIN,
    );
    await writing;
    expect(recorder.interruptions).toBe(1);
  }

  /** The names of the subscriber connections on the node at `port`, with the shard channels each holds. */
  async function shardSubscribersOn(port: number): Promise<string[]> {
    const clients = String(await redisCommand(port, ['CLIENT', 'LIST', 'TYPE', 'pubsub'])).split('\n');
    return clients.filter(
      (line) => line.includes(` name=${subscriberName(`${prefix}changes`)} `) && / ssub=1 /.test(line),
    );
  }

  it('subscribes with SSUBSCRIBE on the primary that owns the channel’s slot', async () => {
    await listenerAndWriter();
    const owner = await cluster.masterOf(channelSlot);
    expect(await shardSubscribersOn(owner)).toHaveLength(2);
  });

  it('follows the channel’s slot when it moves to another primary: interrupted, then listening there', async () => {
    const { recorder, writer } = await listenerAndWriter();
    const { masters } = await cluster.topology();
    const [from, to] = [masters[0].port, masters[1].port];
    expect(await cluster.masterOf(channelSlot)).toBe(from);
    const moved = await cluster.moveSlots(from, to, 1);
    expect(moved).toEqual([channelSlot]);
    await recorder.until('interrupted()', () => recorder.interruptions === 1, RECOVERS_WITHIN);
    await heardAfterRecovery(recorder, writer);
    expect(await shardSubscribersOn(to)).toHaveLength(2);
  }, 90_000);

  it('is interrupted when the channel’s primary dies, and listens again on the replica that takes over', async () => {
    const { recorder, writer } = await listenerAndWriter();
    const owner = await cluster.masterOf(channelSlot);
    await cluster.kill(owner);
    await recorder.until('interrupted()', () => recorder.interruptions === 1, RECOVERS_WITHIN);
    const promoted = await cluster.waitForPromotion(owner);
    await heardAfterRecovery(recorder, writer);
    expect(await shardSubscribersOn(promoted)).toHaveLength(2);
    await cluster.restart(owner);
  }, 90_000);
});
