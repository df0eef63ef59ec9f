import 'reflect-metadata';
import { createSampleApp } from './create-sample-app';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { loadSampleConfig } from './sample-config';

async function main(): Promise<void> {
  const config = loadSampleConfig();
  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: process.env.PGLITE_DATA_DIR });
    console.warn(`DATABASE_URL is not set: using an embedded PostgreSQL (PGlite) at ${embedded.url}`);
  }
  const app = await createSampleApp({
    ...config,
    databaseUrl: config.databaseUrl ?? embedded!.url,
    poolSize: config.poolSize,
  });
  await app.listen(config.port, config.host);
  console.log(`listening on http://${config.host}:${config.port}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      return;
    }
    closing = true;
    console.warn(`${signal}: closing`);
    await app.close();
    await embedded?.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
