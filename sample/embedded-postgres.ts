import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A running embedded PostgreSQL (PGlite) reachable over TCP. */
export interface EmbeddedPostgres {
  /** Connection string for `pg` / TypeORM, e.g. `postgres://postgres@127.0.0.1:54321/postgres`. */
  url: string;
  /** Stops the socket server, then closes PGlite. Destroy your DataSource/Pool first. */
  close(): Promise<void>;
}

/**
 * Starts an in-process PGlite database (in memory, or persisted under `dataDir`)
 * and serves it over the PostgreSQL wire protocol on 127.0.0.1 with a random free port.
 */
export async function startEmbeddedPostgres(options: { dataDir?: string } = {}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 100 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
