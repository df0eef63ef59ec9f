import { VARIANTS, type VariantName } from './protocol';

/** Where a variant keeps its sessions. */
export type Backend = 'none' | 'postgres' | 'redis' | 'redis-cluster';

export const BACKEND: Record<VariantName, Backend> = {
  none: 'none',
  'one-query': 'postgres',
  'express-session': 'postgres',
  'nest-sessions': 'postgres',
  'nest-sessions-fastify': 'postgres',
  'connect-redis': 'redis',
  'nest-sessions-redis': 'redis',
  'nest-sessions-redis-fastify': 'redis',
  'connect-redis-cluster': 'redis-cluster',
  'nest-sessions-redis-cluster': 'redis-cluster',
};

/** What "vs peer" divides by: express-session with the usual store of the same back end. */
export const PEER: Record<VariantName, VariantName | null> = {
  none: 'express-session',
  'one-query': 'express-session',
  'express-session': 'express-session',
  'nest-sessions': 'express-session',
  'nest-sessions-fastify': 'express-session',
  'connect-redis': 'connect-redis',
  'nest-sessions-redis': 'connect-redis',
  'nest-sessions-redis-fastify': 'connect-redis',
  'connect-redis-cluster': 'connect-redis-cluster',
  'nest-sessions-redis-cluster': 'connect-redis-cluster',
};

/**
 * Named sets for `--variants`. `pg`, the default, is the original comparison (about 7 minutes with
 * the cleanup run); `redis` compares on Redis alone (about 6 minutes); `all` runs both in one run,
 * so every ratio comes from the same machine state (about 10 minutes).
 */
export const VARIANT_GROUPS: Record<string, readonly VariantName[]> = {
  pg: ['none', 'one-query', 'express-session', 'nest-sessions', 'nest-sessions-fastify'],
  redis: [
    'none',
    'connect-redis',
    'nest-sessions-redis',
    'nest-sessions-redis-fastify',
    'connect-redis-cluster',
    'nest-sessions-redis-cluster',
  ],
  all: VARIANTS,
};

export const isRedis = (variant: VariantName) => BACKEND[variant] === 'redis' || BACKEND[variant] === 'redis-cluster';
