import {
  BadRequestException,
  type DynamicModule,
  type INestApplication,
  type NestApplicationOptions,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module';
import { SampleConfig } from './sample-config';

/** The Fastify instance under the adapter (the type comes through Nest, as the sample does not depend on `fastify`). */
type FastifyInstance = ReturnType<ReturnType<NestFastifyApplication['getHttpAdapter']>['getInstance']>;

/** Largest request body either platform reads: body-parser's default (100 KiB), so both answer 413 past it. */
const JSON_BODY_LIMIT = 100 * 1024;

/** Builds the sample app on the configured platform, not yet listening. Used by `main.ts` and the e2e tests. */
export async function createSampleApp(config: SampleConfig): Promise<INestApplication> {
  const module = AppModule.register(config);
  // JSON only, as the contract says: a form-encoded POST /login would let any site log a browser in (login CSRF).
  const options: NestApplicationOptions = { logger: ['error', 'warn'], bodyParser: false };
  if (config.platform === 'fastify') {
    return createFastifyApp(module, options);
  }
  const app = await NestFactory.create<NestExpressApplication>(module, options);
  return app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
}

/** The same app on Fastify, without any cookie plugin: the session module reads and writes cookie headers itself. */
async function createFastifyApp(module: DynamicModule, options: NestApplicationOptions): Promise<INestApplication> {
  // Loaded only when asked for, so the Express sample never needs Fastify installed.
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  // While shutting down, answer the requests that still arrive (with `Connection: close`), as Express does,
  // rather than Fastify's default 503.
  const adapter = new FastifyAdapter({
    bodyLimit: JSON_BODY_LIMIT,
    return503OnClosing: false,
    // Errors Fastify raises before routing (a URL that is not valid percent-encoding) get the
    // contract's `{"error"}` body too, as Express's do through the exception filter.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      void reply.code(error.statusCode ?? 400).send({ error: error.message });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, options);
  parseJsonLikeExpress(app.getHttpAdapter().getInstance());
  return app;
}

/**
 * Makes Fastify read bodies the way the Express side's `json` body parser does, so every route
 * answers alike: only `application/json` is parsed, strictly (an object or an array; an empty body
 * is `{}`), and any other body (form-encoded, text/plain) is drained and ignored, leaving no body for
 * the handler, which then answers 400. Fastify's own defaults would parse text/plain and answer 415
 * to forms.
 */
function parseJsonLikeExpress(fastify: FastifyInstance): void {
  // Fastify's parser rejects `__proto__` and `constructor.prototype` keys (400), which body-parser lets through.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(null, {});
    } else if (!/^[\x20\t\n\r]*[[{]/.test(text)) {
      done(new BadRequestException('A JSON body must be an object or an array'), undefined);
    } else {
      parseJson(request, text, done);
    }
  });
  fastify.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume();
    done(null, undefined);
  });
}
