import 'reflect-metadata';
import { createGracefulShutdown } from '../src';
import { createSampleApp } from './create-sample-app';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { loadSampleConfig } from './sample-config';

/** How long in-flight requests may take to finish on shutdown before their connections are closed. */
const SHUTDOWN_GRACE_PERIOD = 5000;
/** Past the grace period, how long closing the pool and the rest may take before the process gives up. */
const SHUTDOWN_HARD_DEADLINE = SHUTDOWN_GRACE_PERIOD + 5000;

let closeApp: (() => Promise<void>) | undefined;
let embedded: EmbeddedPostgres | undefined;
let closing = false;

async function main(): Promise<void> {
  const config = loadSampleConfig();
  if (config.store === 'postgres' && !config.databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: process.env.PGLITE_DATA_DIR });
    console.warn(`DATABASE_URL is not set: using an embedded PostgreSQL (PGlite) at ${embedded.url}`);
  }
  const app = await createSampleApp({
    ...config,
    databaseUrl: config.databaseUrl ?? embedded?.url,
    poolSize: embedded?.poolSize ?? config.poolSize,
  });
  closeApp = createGracefulShutdown(app, { gracePeriod: SHUTDOWN_GRACE_PERIOD });
  if (closing) {
    return;
  }
  await app.listen(config.port, config.host);
  console.log(`listening on http://${config.host}:${config.port}`);
}

/**
 * Drains HTTP (`Connection: close`, idle keep-alive connections closed, in-flight requests finish,
 * every connection closed after the grace period), runs Nest's shutdown hooks (cleanup stops between
 * batches, the pool closes), closes the embedded database, exits 0.
 */
async function shutdown(signal: string): Promise<void> {
  if (closing) {
    return;
  }
  closing = true;
  console.warn(`${signal}: shutting down`);
  setTimeout(() => {
    console.error(`Shutdown did not finish within ${SHUTDOWN_HARD_DEADLINE} ms`);
    process.exit(1);
  }, SHUTDOWN_HARD_DEADLINE).unref();
  await closeApp?.();
  await embedded?.close();
  process.exit(0);
}

function onSignal(signal: NodeJS.Signals): void {
  shutdown(signal).catch((error: unknown) => {
    console.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

process.once('SIGTERM', onSignal);
process.once('SIGINT', onSignal);

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
