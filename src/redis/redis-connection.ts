import { Cluster, Redis, type ClusterNode } from 'ioredis';
import { SessionConfigurationError } from '../core/session.errors';
import type { RedisSessionStoreOptions } from './redis-session-store.options';

/** The client a store talks through, and whether the store opened it (and so closes it). */
export interface RedisConnection {
  client: Redis | Cluster;
  owned: boolean;
}

/**
 * Connection settings for sessions: commands of concurrent requests share round trips, a command
 * is retried once across a reconnect (the module bounds every call by `storeTimeout` anyway), and a
 * dead peer is noticed within seconds.
 */
const SESSION_REDIS_OPTIONS = {
  enableAutoPipelining: true,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  keepAlive: 5000,
} as const;

/**
 * On a cluster: reads from primaries (a replica may not have the latest write yet), quick retries
 * during a failover, and no auto-pipelining: ioredis does not retry the commands of a batch that a
 * resharding answers with `MOVED`, and they would fail.
 */
const SESSION_CLUSTER_OPTIONS = {
  enableAutoPipelining: false,
  scaleReads: 'master',
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  retryDelayOnTryAgain: 100,
  slotsRefreshTimeout: 2000,
} as const;

/** The client of the options: the app's own, or one opened from a URL or cluster seeds. */
export function connectRedis(options: RedisSessionStoreOptions): RedisConnection {
  const given = [options.client, options.url, options.clusterNodes].filter((value) => value !== undefined);
  if (given.length !== 1) {
    throw new SessionConfigurationError(
      'RedisSessionStore takes exactly one of `client` (an ioredis Redis or Cluster), `url` or `clusterNodes`.',
    );
  }
  if (options.client) {
    return { client: options.client, owned: false };
  }
  const redisOptions = { ...SESSION_REDIS_OPTIONS, ...options.redisOptions };
  if (options.clusterNodes) {
    const nodes = options.clusterNodes.map(toClusterNode);
    const clusterOptions = {
      ...SESSION_CLUSTER_OPTIONS,
      redisOptions: { ...redisOptions, enableAutoPipelining: false },
      ...options.clusterOptions,
    };
    return { client: new Cluster(nodes, clusterOptions), owned: true };
  }
  return { client: new Redis(options.url as string, redisOptions), owned: true };
}

/** A cluster seed as ioredis takes it: `host:port` (IPv6 in brackets) parsed, a node object as it is. */
export function toClusterNode(node: string | ClusterNode): ClusterNode {
  if (typeof node !== 'string') {
    return node;
  }
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(node.trim());
  if (!match) {
    throw new SessionConfigurationError(`A Redis Cluster node is "host:port"; got "${node}".`);
  }
  return { host: match[1], port: Number(match[2]) };
}
