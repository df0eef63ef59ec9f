import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import { exitWithParent } from '../processes';
import type { AppConfig, AppMessage, AppRequest, CacheCounters, VariantName } from '../protocol';
import { CpuProfiler } from './cpu-profiler';
import type { Seeder } from './seeders';
import { countRedisCommands, redisCommandsSent } from './redis-command-counter';
import { countStatements, statementsSent, statementTexts } from './statement-counter';

/**
 * Entry point of one app child: builds the variant named in its config, listens on a random
 * port of 127.0.0.1, reports the port, then answers the bench's requests (request, statement, Redis
 * command and CPU counts, the session cache's counters, a cleanup run, CPU profiles) until the bench
 * goes away.
 */
const FACTORIES: Record<VariantName, () => Promise<(config: AppConfig) => Promise<INestApplication>>> = {
  none: async () => (await import('./none.js')).createNoSessionApp,
  'none-fastify': async () => (await import('./none.js')).createNoSessionFastifyApp,
  'one-query': async () => (await import('./one-query.js')).createOneQueryApp,
  'express-session': async () => (await import('./express-session.js')).createExpressSessionApp,
  'nest-sessions': async () => (await import('./nest-sessions.js')).createNestSessionsApp,
  'nest-sessions-cached': async () => (await import('./nest-sessions.js')).createNestSessionsApp,
  'nest-sessions-fastify': async () => (await import('./nest-sessions.js')).createNestSessionsFastifyApp,
  'nest-sessions-fastify-cached': async () => (await import('./nest-sessions.js')).createNestSessionsFastifyApp,
  'connect-redis': async () => (await import('./connect-redis.js')).createConnectRedisApp,
  'nest-sessions-redis': async () => (await import('./nest-sessions-redis.js')).createNestSessionsRedisApp,
  'nest-sessions-redis-cached': async () => (await import('./nest-sessions-redis.js')).createNestSessionsRedisApp,
  'nest-sessions-redis-fastify': async () =>
    (await import('./nest-sessions-redis.js')).createNestSessionsRedisFastifyApp,
  'nest-sessions-redis-fastify-cached': async () =>
    (await import('./nest-sessions-redis.js')).createNestSessionsRedisFastifyApp,
  'connect-redis-cluster': async () => (await import('./connect-redis.js')).createConnectRedisApp,
  'nest-sessions-redis-cluster': async () => (await import('./nest-sessions-redis.js')).createNestSessionsRedisApp,
  'nest-sessions-redis-cluster-cached': async () =>
    (await import('./nest-sessions-redis.js')).createNestSessionsRedisApp,
};

/** How each variant makes sessions without HTTP for the rare workload; null: it has none (placeholders). */
const SEEDERS: Record<VariantName, () => Promise<Seeder | null>> = {
  none: async () => null,
  'none-fastify': async () => null,
  'one-query': async () => (await import('./seeders.js')).seedOneQuerySessions,
  'express-session': async () => (await import('./seeders.js')).seedPeerSessions,
  'nest-sessions': async () => (await import('./seeders.js')).seedModuleSessions,
  'nest-sessions-cached': async () => (await import('./seeders.js')).seedModuleSessions,
  'nest-sessions-fastify': async () => (await import('./seeders.js')).seedModuleSessions,
  'nest-sessions-fastify-cached': async () => (await import('./seeders.js')).seedModuleSessions,
  'connect-redis': async () => (await import('./seeders.js')).seedPeerSessions,
  'nest-sessions-redis': async () => (await import('./seeders.js')).seedModuleSessions,
  'nest-sessions-redis-cached': async () => (await import('./seeders.js')).seedModuleSessions,
  'nest-sessions-redis-fastify': async () => (await import('./seeders.js')).seedModuleSessions,
  'nest-sessions-redis-fastify-cached': async () => (await import('./seeders.js')).seedModuleSessions,
  'connect-redis-cluster': async () => (await import('./seeders.js')).seedPeerSessions,
  'nest-sessions-redis-cluster': async () => (await import('./seeders.js')).seedModuleSessions,
  'nest-sessions-redis-cluster-cached': async () => (await import('./seeders.js')).seedModuleSessions,
};

const profiler = new CpuProfiler();
const LISTEN_TIMEOUT_MS = 10_000;

/** HTTP requests received, counted on Node's server under either platform. */
let requests = 0;

function send(message: AppMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as AppConfig;
  countStatements();
  countRedisCommands();
  const app = await (await FACTORIES[config.variant]())(config);
  exitWithParent(() => app.close());
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  server.on('request', () => requests++);
  const { port } = server.address() as AddressInfo;
  const cache = config.cacheTtl === undefined ? null : await cacheStatsOf(app);
  if (cache) {
    await untilListening(cache);
  }
  process.on('message', (message: AppRequest) => void answer(app, config, message, cache));
  send({ type: 'ready', port });
}

/** Reads the module's `SessionCache.stats()`: how the bench counts a cached variant's hits and misses. */
async function cacheStatsOf(app: INestApplication): Promise<() => CacheCounters> {
  const { SessionCache } = await import('nest-sessions');
  const cache = app.get(SessionCache);
  return () => cache.stats();
}

/** Waits for the cache's change channel: until it listens, the cache is bypassed and the variant measures nothing of it. */
async function untilListening(stats: () => CacheCounters): Promise<void> {
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  while (!stats().listening) {
    if (Date.now() > deadline) {
      throw new Error(`the session cache did not listen to the store's changes within ${LISTEN_TIMEOUT_MS} ms`);
    }
    await sleep(20);
  }
}

async function answer(
  app: INestApplication,
  config: AppConfig,
  request: AppRequest,
  cache: (() => CacheCounters) | null,
): Promise<void> {
  if (request.type === 'counters') {
    const cpu = process.cpuUsage();
    send({
      id: request.id,
      type: 'counters',
      requests,
      statements: statementsSent(),
      redisCommands: redisCommandsSent(),
      cpuMs: (cpu.user + cpu.system) / 1000,
      texts: statementTexts(),
      cache: cache?.() ?? null,
    });
  } else if (request.type === 'cleanup') {
    const { SessionCleanupService } = await import('nest-sessions');
    const started = performance.now();
    const { deleted, outcome } = await app.get(SessionCleanupService).run();
    const milliseconds = performance.now() - started;
    send({ id: request.id, type: 'cleanup', deleted, outcome, milliseconds, batchSize: config.cleanupBatchSize });
  } else if (request.type === 'seed') {
    const seeder = await SEEDERS[config.variant]();
    const cookies = seeder
      ? await seeder(app, request.templates, request.count)
      : Array.from({ length: request.count }, (_, index) => `sid=placeholder-seeded-${index}`);
    send({ id: request.id, type: 'seed', cookies });
  } else if (request.type === 'profile-start') {
    await profiler.start();
    send({ id: request.id, type: 'profile-start' });
  } else if (request.type === 'profile-stop') {
    await profiler.stop(request.file);
    send({ id: request.id, type: 'profile-stop' });
  }
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
