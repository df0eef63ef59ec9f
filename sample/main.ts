import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { createSampleApp } from './create-sample-app';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { loadSampleConfig } from './sample-config';

let app: INestApplication | undefined;
let embedded: EmbeddedPostgres | undefined;
let closing = false;

async function main(): Promise<void> {
  const config = loadSampleConfig();
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: process.env.PGLITE_DATA_DIR });
    console.warn(`DATABASE_URL is not set: using an embedded PostgreSQL (PGlite) at ${embedded.url}`);
  }
  app = await createSampleApp({
    ...config,
    databaseUrl: config.databaseUrl ?? embedded!.url,
    poolSize: embedded?.poolSize ?? config.poolSize,
  });
  if (closing) {
    return;
  }
  await app.listen(config.port, config.host);
  console.log(`listening on http://${config.host}:${config.port}`);
}

/** Lets in-flight requests finish, closes the pool (and the embedded database), exits 0. */
async function shutdown(signal: string): Promise<void> {
  if (closing) {
    return;
  }
  closing = true;
  console.warn(`${signal}: shutting down`);
  await app?.close();
  await embedded?.close();
  process.exit(0);
}

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
