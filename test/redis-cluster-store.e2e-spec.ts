import { Cluster } from 'ioredis';
import { RedisSessionStore } from '../src/redis';
import { describeSessionStore } from '../src/testing';
import { uniqueRedisPrefix } from './utils/redis-keyspace';
import { ThrowawayRedisCluster } from './utils/throwaway-redis-cluster';

/** The store conformance suite on a six-node Redis Cluster of the file's own, through the app's own Cluster client. */
let cluster: ThrowawayRedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await ThrowawayRedisCluster.create();
  client = new Cluster(cluster.seeds(), { scaleReads: 'master' });
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await cluster?.destroy();
});

describeSessionStore(
  'RedisSessionStore (Redis Cluster)',
  () => new RedisSessionStore({ client, prefix: uniqueRedisPrefix('cluster-contract') }),
  { expiry: false },
);
