import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { exitWithParent } from '../processes';
import type { AppConfig, AppMessage, AppRequest, VariantName } from '../protocol';
import { CpuProfiler } from './cpu-profiler';
import { countRedisCommands, redisCommandsSent } from './redis-command-counter';
import { countStatements, statementsSent, statementTexts } from './statement-counter';

/**
 * Entry point of one app child: builds the variant named in its config, listens on a random
 * port of 127.0.0.1, reports the port, then answers the bench's requests (request, statement, Redis command and CPU
 * counts, a cleanup run, CPU profiles) until the bench goes away.
 */
const FACTORIES: Record<VariantName, () => Promise<(config: AppConfig) => Promise<INestApplication>>> = {
  none: async () => (await import('./none.js')).createNoSessionApp,
  'none-fastify': async () => (await import('./none.js')).createNoSessionFastifyApp,
  'one-query': async () => (await import('./one-query.js')).createOneQueryApp,
  'express-session': async () => (await import('./express-session.js')).createExpressSessionApp,
  'nest-sessions': async () => (await import('./nest-sessions.js')).createNestSessionsApp,
  'nest-sessions-fastify': async () => (await import('./nest-sessions.js')).createNestSessionsFastifyApp,
  'connect-redis': async () => (await import('./connect-redis.js')).createConnectRedisApp,
  'nest-sessions-redis': async () => (await import('./nest-sessions-redis.js')).createNestSessionsRedisApp,
  'nest-sessions-redis-fastify': async () =>
    (await import('./nest-sessions-redis.js')).createNestSessionsRedisFastifyApp,
  'connect-redis-cluster': async () => (await import('./connect-redis.js')).createConnectRedisApp,
  'nest-sessions-redis-cluster': async () => (await import('./nest-sessions-redis.js')).createNestSessionsRedisApp,
};

const profiler = new CpuProfiler();

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
  process.on('message', (message: AppRequest) => void answer(app, config, message));
  send({ type: 'ready', port });
}

async function answer(app: INestApplication, config: AppConfig, request: AppRequest): Promise<void> {
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
    });
  } else if (request.type === 'cleanup') {
    const { SessionCleanupService } = await import('nest-sessions');
    const started = performance.now();
    const { deleted, outcome } = await app.get(SessionCleanupService).run();
    const milliseconds = performance.now() - started;
    send({ id: request.id, type: 'cleanup', deleted, outcome, milliseconds, batchSize: config.cleanupBatchSize });
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
