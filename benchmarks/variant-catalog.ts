import { VARIANTS, type VariantName } from './protocol';

/** Where a variant keeps its sessions. */
export type Backend = 'none' | 'postgres' | 'redis' | 'redis-cluster';

export const BACKEND: Record<VariantName, Backend> = {
  none: 'none',
  'none-fastify': 'none',
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
  'none-fastify': 'express-session',
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
 * Named sets for `--variants`, each with the app without sessions on both platforms. `pg`, the
 * default, is the original comparison (about 10 minutes with the cleanup run); `redis` compares on
 * Redis alone (about 9 minutes); `all` runs both in one run, so every ratio comes from the same
 * machine state (about 14 minutes).
 */
export const VARIANT_GROUPS: Record<string, readonly VariantName[]> = {
  pg: ['none', 'none-fastify', 'one-query', 'express-session', 'nest-sessions', 'nest-sessions-fastify'],
  redis: [
    'none',
    'none-fastify',
    'connect-redis',
    'nest-sessions-redis',
    'nest-sessions-redis-fastify',
    'connect-redis-cluster',
    'nest-sessions-redis-cluster',
  ],
  all: VARIANTS,
};

/** The HTTP platform under a variant's NestJS app. */
export type Platform = 'express' | 'fastify';

export const PLATFORM: Record<VariantName, Platform> = {
  none: 'express',
  'none-fastify': 'fastify',
  'one-query': 'express',
  'express-session': 'express',
  'nest-sessions': 'express',
  'nest-sessions-fastify': 'fastify',
  'connect-redis': 'express',
  'nest-sessions-redis': 'express',
  'nest-sessions-redis-fastify': 'fastify',
  'connect-redis-cluster': 'express',
  'nest-sessions-redis-cluster': 'express',
};

/** The app without sessions on each platform: what a route that uses no session is compared with. */
export const NONE_ON: Record<Platform, VariantName> = { express: 'none', fastify: 'none-fastify' };

export const isRedis = (variant: VariantName) => BACKEND[variant] === 'redis' || BACKEND[variant] === 'redis-cluster';
