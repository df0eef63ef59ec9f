import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Platform } from './platforms';

/** A small app of `metadata` (imports, controllers, providers) on `platform`, initialised but not listening. */
export async function createFixtureApp(platform: Platform, metadata: ModuleMetadata): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  return platform === 'fastify'
    ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
    : moduleRef.createNestApplication({ logger: false });
}

/** The same, listening on a free port of 127.0.0.1, so tests drive it over real HTTP. */
export async function listenFixtureApp(platform: Platform, metadata: ModuleMetadata): Promise<INestApplication> {
  const app = await createFixtureApp(platform, metadata);
  await app.listen(0, '127.0.0.1');
  return app;
}
