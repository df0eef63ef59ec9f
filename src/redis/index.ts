/** nest-sessions/redis: the session store for Redis, Valkey and Redis Cluster, on ioredis. */
export { RedisSessionStore } from './redis-session.store';
export type { RedisSessionStoreOptions } from './redis-session-store.options';
