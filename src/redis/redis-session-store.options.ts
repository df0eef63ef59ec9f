import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** Options of {@link RedisSessionStore}: a client, or how to connect one, and the key layout. */
export interface RedisSessionStoreOptions {
  /**
   * An ioredis client the app already has: a `Redis` (standalone, Sentinel) or a `Cluster`. The
   * store uses it as it is and never closes it. Settings that suit sessions:
   * `enableAutoPipelining: true`, a small `maxRetriesPerRequest`, and on a cluster
   * `scaleReads: 'master'` (a read from a replica may miss the latest write).
   */
  client?: Redis | Cluster;
  /** Or a Redis URL (`redis://`, `rediss://`) to connect to; the store closes what it opens. */
  url?: string;
  /** Or the seed nodes of a Redis Cluster (`host:port` strings or ioredis nodes). */
  clusterNodes?: Array<string | ClusterNode>;
  /** ioredis options for the connection the store opens (per node, on a cluster). */
  redisOptions?: RedisOptions;
  /** ioredis cluster options for the cluster the store opens. */
  clusterOptions?: ClusterOptions;
  /** Start of every key the store writes. Default `sess:`. */
  prefix?: string;
  /**
   * Milliseconds a session stays in Redis after it expires, so that a request presenting it is
   * told it expired (the `expired` event) rather than that it never existed, as with PostgreSQL
   * between cleanups. Default 60000; 0 deletes it the moment it expires.
   */
  keepExpiredFor?: number;
  /**
   * After each write, wait until this many replicas of the written node have it (`WAIT`); a write
   * fewer replicas acknowledge within `replicaTimeout` fails with 503 (it may still be on the
   * primary). What survives the loss of a primary. Default 0: no wait.
   */
  waitForReplicas?: number;
  /** Milliseconds a write waits for its replicas. Default 500. */
  replicaTimeout?: number;
}

/** The Redis store's defaults, in one place. Durations are milliseconds. */
export const REDIS_STORE_DEFAULTS = {
  prefix: 'sess:',
  keepExpiredFor: 60_000,
  waitForReplicas: 0,
  replicaTimeout: 500,
  /** How long a login's index entry counts as pending when its write has no deadline. */
  pendingWithoutDeadline: 30_000,
  /** Rounds of pruning dead index entries before a login under the limit is refused. */
  admitRounds: 3,
  /** The change channel's connection: a PING a second, a second to answer it, then a new connection. */
  changeChannel: {
    heartbeatInterval: 1000,
    heartbeatTimeout: 1000,
    subscribeTimeout: 3000,
    firstRetryDelay: 100,
    maxRetryDelay: 2000,
  },
} as const;
