import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { SampleConfig } from './sample-config';

/** Builds the sample app on the configured platform, not yet listening. Used by `main.ts` and the e2e tests. */
export async function createSampleApp(config: SampleConfig & { databaseUrl: string }): Promise<INestApplication> {
  if (config.platform === 'fastify') {
    throw new Error('PLATFORM=fastify is not supported yet; use express.');
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  // JSON only, as the contract says: a form-encoded POST /login would let any site log a browser in (login CSRF).
  return app.useBodyParser('json');
}
