/** The messages the bench process exchanges with its children over IPC. */

/** The apps under test, each in its own child process. */
/**
 * `none` and `none-fastify` are the same app without sessions on each platform; `one-query` is a
 * yardstick: one raw SQL statement per request, no session logic (see its file). Each `-cached`
 * variant is the app before it with the session cache on (`CACHE_TTL_MS`).
 */
export const VARIANTS = [
  'none',
  'none-fastify',
  'one-query',
  'express-session',
  'nest-sessions',
  'nest-sessions-cached',
  'nest-sessions-fastify',
  'nest-sessions-fastify-cached',
  'connect-redis',
  'nest-sessions-redis',
  'nest-sessions-redis-cached',
  'nest-sessions-redis-fastify',
  'nest-sessions-redis-fastify-cached',
  'connect-redis-cluster',
  'nest-sessions-redis-cluster',
  'nest-sessions-redis-cluster-cached',
] as const;
export type VariantName = (typeof VARIANTS)[number];

/** Connections in each app's pg pool: pg's default, which connect-pg-simple's own pool gets. */
export const PEER_POOL_SIZE = 10;

/**
 * Rows per cleanup statement, the module's default; set explicitly so the report states the size
 * it measured (the module does not expose its resolved options).
 */
export const CLEANUP_BATCH_SIZE = 1000;

/**
 * `cache.ttl` of the cached variants, in milliseconds: the issue's example value. It bounds how
 * long a lost invalidation could leave a revoked session usable, and at the hot workloads' rates
 * every session is read many times per `ttl`, so it is long enough for nearly every read to hit.
 */
export const CACHE_TTL_MS = 5000;

/** Where a Redis variant keeps its sessions: the standalone server or the cluster's nodes, under a key prefix of its own. */
export interface RedisTarget {
  url?: string;
  /** `host:port` of every node. */
  clusterNodes?: string[];
  prefix: string;
}

/** What an app child needs to start: `process.argv[2]` is its JSON. */
export interface AppConfig {
  variant: VariantName;
  /** Database of this app; used by the PostgreSQL variants only. */
  databaseUrl: string;
  /** The Redis of a Redis variant. */
  redis?: RedisTarget;
  /** Milliseconds between scheduled cleanups of the module; 0 turns the schedule off. */
  cleanupInterval: number;
  /** Rows per cleanup statement of the module. */
  cleanupBatchSize: number;
  /** The module's `cache.ttl` in milliseconds; absent: the cache is off. */
  cacheTtl?: number;
}

/** Parent to app child. `id` pairs a request with its reply. */
export type AppRequest =
  | { id: number; type: 'counters' }
  | { id: number; type: 'cleanup' }
  /** Makes `count` logged-in sessions in the app's store, copies of those the `templates` cookies name, without HTTP. */
  | { id: number; type: 'seed'; templates: string[]; count: number }
  /** Starts the V8 CPU profiler; `profile-stop` writes what it recorded to `file`. */
  | { id: number; type: 'profile-start' }
  | { id: number; type: 'profile-stop'; file: string };

/** What an app has done since it started: HTTP requests it received, SQL statements and Redis commands it sent. */
export interface AppCounters {
  requests: number;
  statements: number;
  redisCommands: number;
  /** CPU time of the app process (user + system), in milliseconds. */
  cpuMs: number;
  /** How many times the app sent each SQL text (whitespace collapsed). */
  texts: Record<string, number>;
  /** `SessionCache.stats()` of a cached variant; null when the cache is off. */
  cache: CacheCounters | null;
}

/** What the module's session cache has done since the app started (`SessionCache.stats()`). */
export interface CacheCounters {
  hits: number;
  misses: number;
  size: number;
  listening: boolean;
  interruptions: number;
}

/** App child to parent. */
export type AppMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | ({ id: number; type: 'counters' } & AppCounters)
  | { id: number; type: 'cleanup'; deleted: number; outcome: string; milliseconds: number; batchSize: number }
  | { id: number; type: 'seed'; cookies: string[] }
  | { id: number; type: 'profile-start' | 'profile-stop' };

/** One load run, as the load child receives it. */
export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  /** Cookie headers, used round-robin over all connections (or at random with `randomCookies`); empty: no cookie. */
  cookies: string[];
  /** Each request draws its cookie uniformly at random from `cookies` instead of taking the next one. */
  randomCookies?: boolean;
  /** Fixed JSON body; with `counterBody` the body is `{"counter": n}` with n counting up. */
  body?: string;
  counterBody?: boolean;
  connections: number;
  /** Seconds; the run can end earlier on a `stop` message. */
  duration: number;
}

/** What a load run measured. Latencies are in milliseconds. */
export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** CPU time of the load generator during the run (user + system), in milliseconds. */
  cpuMs: number;
}

export type LoadRequest = { type: 'run'; spec: LoadSpec } | { type: 'stop' };
export type LoadMessage = { type: 'result'; result: LoadResult } | { type: 'failed'; error: string };
