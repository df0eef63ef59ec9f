import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { SampleConfig } from './sample-config';

/** Builds the sample app on the configured platform, not yet listening. Used by `main.ts` and the e2e tests. */
export async function createSampleApp(config: SampleConfig & { databaseUrl: string }): Promise<INestApplication> {
  if (config.platform === 'fastify') {
    throw new Error('PLATFORM=fastify is not supported yet; use express.');
  }
  return NestFactory.create(AppModule.register(config), { logger: ['error', 'warn'] });
}
