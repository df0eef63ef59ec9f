import { type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionModule } from 'nest-sessions';
import { SESSION_MIGRATIONS, SessionEntity, TypeOrmSessionStore } from 'nest-sessions/typeorm';
import { PEER_POOL_SIZE, type AppConfig } from '../protocol';
import { BENCH_SECRET } from './bench-secret';
import { cacheOption } from './cache-option';
import { ModuleSessionController } from './module-session.controller';

/**
 * The quick start's two modules: TypeORM with the session entity and migrations, and
 * `SessionModule.forRoot({ secret, store: TypeOrmSessionStore })` on the app's default DataSource,
 * plus `cache: { ttl }` in the cached variants. The pool is as large as the peer's.
 */
function benchModule(config: AppConfig): DynamicModule {
  @Module({})
  class ModuleSessionBenchModule {}
  return {
    module: ModuleSessionBenchModule,
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: config.databaseUrl,
        entities: [SessionEntity],
        migrations: SESSION_MIGRATIONS,
        migrationsRun: true,
        extra: { max: PEER_POOL_SIZE, keepAlive: true },
      }),
      SessionModule.forRoot({
        secret: BENCH_SECRET,
        store: TypeOrmSessionStore,
        cleanupInterval: config.cleanupInterval,
        cleanupBatchSize: config.cleanupBatchSize,
        ...cacheOption(config),
      }),
    ],
    controllers: [ModuleSessionController],
  };
}

export async function createNestSessionsApp(config: AppConfig): Promise<INestApplication> {
  return NestFactory.create(benchModule(config), { logger: ['error', 'warn'] });
}

export async function createNestSessionsFastifyApp(config: AppConfig): Promise<INestApplication> {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return NestFactory.create(benchModule(config), new FastifyAdapter(), { logger: ['error', 'warn'] });
}
