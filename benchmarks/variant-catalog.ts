import { VARIANTS, type VariantName } from './protocol';

/** Where a variant keeps its sessions. */
export type Backend = 'none' | 'postgres' | 'redis' | 'redis-cluster';

export const BACKEND: Record<VariantName, Backend> = {
  none: 'none',
  'none-fastify': 'none',
  'one-query': 'postgres',
  'express-session': 'postgres',
  'nest-sessions': 'postgres',
  'nest-sessions-cached': 'postgres',
  'nest-sessions-fastify': 'postgres',
  'nest-sessions-fastify-cached': 'postgres',
  'connect-redis': 'redis',
  'nest-sessions-redis': 'redis',
  'nest-sessions-redis-cached': 'redis',
  'nest-sessions-redis-fastify': 'redis',
  'nest-sessions-redis-fastify-cached': 'redis',
  'connect-redis-cluster': 'redis-cluster',
  'nest-sessions-redis-cluster': 'redis-cluster',
  'nest-sessions-redis-cluster-cached': 'redis-cluster',
};

/** What "vs peer" divides by: express-session with the usual store of the same back end. */
export const PEER: Record<VariantName, VariantName | null> = {
  none: 'express-session',
  'none-fastify': 'express-session',
  'one-query': 'express-session',
  'express-session': 'express-session',
  'nest-sessions': 'express-session',
  'nest-sessions-cached': 'express-session',
  'nest-sessions-fastify': 'express-session',
  'nest-sessions-fastify-cached': 'express-session',
  'connect-redis': 'connect-redis',
  'nest-sessions-redis': 'connect-redis',
  'nest-sessions-redis-cached': 'connect-redis',
  'nest-sessions-redis-fastify': 'connect-redis',
  'nest-sessions-redis-fastify-cached': 'connect-redis',
  'connect-redis-cluster': 'connect-redis-cluster',
  'nest-sessions-redis-cluster': 'connect-redis-cluster',
  'nest-sessions-redis-cluster-cached': 'connect-redis-cluster',
};

/** Whether the variant has the module's session cache on: it is the same app as the variant without `-cached`. */
export const isCached = (variant: VariantName) => variant.endsWith('-cached');

const PG_GROUP: readonly VariantName[] = [
  'none',
  'none-fastify',
  'one-query',
  'express-session',
  'nest-sessions',
  'nest-sessions-cached',
  'nest-sessions-fastify',
  'nest-sessions-fastify-cached',
];
const REDIS_GROUP: readonly VariantName[] = [
  'none',
  'none-fastify',
  'connect-redis',
  'nest-sessions-redis',
  'nest-sessions-redis-cached',
  'nest-sessions-redis-fastify',
  'nest-sessions-redis-fastify-cached',
  'connect-redis-cluster',
  'nest-sessions-redis-cluster',
];

/**
 * Named sets for `--variants`, each with the app without sessions on both platforms. `pg`, the
 * default, is the comparison on PostgreSQL (about 9 minutes with the cleanup run); `redis` compares
 * on Redis alone (about 8 minutes); `all` runs both in one run, so every ratio comes from the same
 * machine state (about 15 minutes). `nest-sessions-redis-cluster-cached` is in none of them (it
 * would take `all` past 15 minutes): name it to run it.
 */
export const VARIANT_GROUPS: Record<string, readonly VariantName[]> = {
  pg: PG_GROUP,
  redis: REDIS_GROUP,
  all: VARIANTS.filter((variant) => PG_GROUP.includes(variant) || REDIS_GROUP.includes(variant)),
};

/** The HTTP platform under a variant's NestJS app. */
export type Platform = 'express' | 'fastify';

export const PLATFORM: Record<VariantName, Platform> = {
  none: 'express',
  'none-fastify': 'fastify',
  'one-query': 'express',
  'express-session': 'express',
  'nest-sessions': 'express',
  'nest-sessions-cached': 'express',
  'nest-sessions-fastify': 'fastify',
  'nest-sessions-fastify-cached': 'fastify',
  'connect-redis': 'express',
  'nest-sessions-redis': 'express',
  'nest-sessions-redis-cached': 'express',
  'nest-sessions-redis-fastify': 'fastify',
  'nest-sessions-redis-fastify-cached': 'fastify',
  'connect-redis-cluster': 'express',
  'nest-sessions-redis-cluster': 'express',
  'nest-sessions-redis-cluster-cached': 'express',
};

/** The app without sessions on each platform: what "vs none" divides by. */
export const NONE_ON: Record<Platform, VariantName> = { express: 'none', fastify: 'none-fastify' };

export const isRedis = (variant: VariantName) => BACKEND[variant] === 'redis' || BACKEND[variant] === 'redis-cluster';
