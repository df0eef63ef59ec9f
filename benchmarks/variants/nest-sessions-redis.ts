import { type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SessionModule } from 'nest-sessions';
import { RedisSessionStore } from 'nest-sessions/redis';
import type { AppConfig, RedisTarget } from '../protocol';
import { BENCH_SECRET } from './bench-secret';
import { cacheOption } from './cache-option';
import { ModuleSessionController } from './module-session.controller';

function redisTargetOf(config: AppConfig): RedisTarget {
  if (!config.redis) {
    throw new Error(`${config.variant} needs a Redis target`);
  }
  return config.redis;
}

/**
 * The module on Redis as its docs show it, `SessionModule.forRoot({ secret, store: new
 * RedisSessionStore({ url }) })` (or `clusterNodes` on the cluster), with the store's defaults
 * except a key prefix of the bench's own, plus `cache: { ttl }` in the cached variants.
 */
function redisBenchModule(config: AppConfig): DynamicModule {
  const { url, clusterNodes, prefix } = redisTargetOf(config);
  const store = new RedisSessionStore(clusterNodes ? { clusterNodes, prefix } : { url, prefix });
  @Module({})
  class RedisSessionBenchModule {}
  return {
    module: RedisSessionBenchModule,
    imports: [SessionModule.forRoot({ secret: BENCH_SECRET, store, ...cacheOption(config) })],
    controllers: [ModuleSessionController],
  };
}

export async function createNestSessionsRedisApp(config: AppConfig): Promise<INestApplication> {
  return NestFactory.create(redisBenchModule(config), { logger: ['error', 'warn'] });
}

export async function createNestSessionsRedisFastifyApp(config: AppConfig): Promise<INestApplication> {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return NestFactory.create(redisBenchModule(config), new FastifyAdapter(), { logger: ['error', 'warn'] });
}
