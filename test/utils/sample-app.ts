import type { INestApplication } from '@nestjs/common';
import type { App } from 'supertest/types';
import { createSampleApp } from '../../sample/create-sample-app';
import type { SampleConfig } from '../../sample/sample-config';
import { e2eSampleStore } from './e2e-store';
import { SESSION_COOKIE } from './session-cookie';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';

/** The sample app, built through its own module wiring, on the given database (or the e2e run's Redis, see `E2E_SESSION_STORE`). */
export async function startSampleApp(
  databaseUrl: string,
  overrides: Partial<SampleConfig> = {},
): Promise<INestApplication<App>> {
  const app = await createSampleApp({
    host: '127.0.0.1',
    port: 0,
    secrets: [TEST_SECRET],
    platform: 'express',
    idleTimeout: 86_400_000,
    absoluteTimeout: 604_800_000,
    cleanupInterval: 0,
    maxSessionBytes: 65_536,
    poolSize: 5,
    ...e2eSampleStore(),
    // E2E_SESSION_CACHE_MS runs the suite with the session cache on.
    cacheMs: Number(process.env.E2E_SESSION_CACHE_MS) || undefined,
    ...overrides,
    databaseUrl,
  });
  await app.init();
  // Fastify registers the routes only once ready (listen() does that), so `app.getHttpServer()` can serve requests.
  await (app.getHttpAdapter().getInstance() as { ready?: () => PromiseLike<unknown> }).ready?.();
  return app as INestApplication<App>;
}

/** The `name=value` pair of a Set-Cookie header, ready for a Cookie header. */
export function cookieOf(setCookie: string[] | string | undefined, name = SESSION_COOKIE): string | undefined {
  const headers = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const header = headers.find((value) => value.startsWith(`${name}=`));
  return header?.split(';')[0];
}
