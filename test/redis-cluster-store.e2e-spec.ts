import { Cluster } from 'ioredis';
import type { SessionStore } from '../src';
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

const prefixes = new Map<SessionStore, string>();
const stores: RedisSessionStore[] = [];
/** A store on the app's client under `prefix`; closing it ends its change subscriptions, not the client. */
const storeOn = (prefix: string): RedisSessionStore => {
  const store = new RedisSessionStore({ client, prefix });
  stores.push(store);
  prefixes.set(store, prefix);
  return store;
};

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
});

describeSessionStore('RedisSessionStore (Redis Cluster)', () => storeOn(uniqueRedisPrefix('cluster-contract')), {
  expiry: false,
  sameBackEnd: (store) => storeOn(prefixes.get(store) as string),
});
