import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A running embedded PostgreSQL (PGlite) reachable over TCP. */
export interface EmbeddedPostgres {
  /** Connection string for `pg` / TypeORM, e.g. `postgres://postgres@127.0.0.1:54321/postgres`. */
  url: string;
  /**
   * How many client connections may be pooled. One: PGlite is a single backend, and the socket
   * server interleaves the protocol messages of several connections, which corrupts queries with
   * large parameters (over ~64 KB). A bigger pool would gain nothing, as queries run one at a time.
   */
  poolSize: 1;
  /** Stops the socket server, then closes PGlite. Destroy your DataSource / Pool first. */
  close(): Promise<void>;
}

/**
 * Starts an in-process PGlite database (in memory, or persisted under `dataDir`) and serves it
 * over the PostgreSQL wire protocol on 127.0.0.1 with a random free port, so the ordinary `pg`
 * driver and TypeORM's `postgres` driver use it unchanged.
 */
export async function startEmbeddedPostgres(options: { dataDir?: string } = {}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir);
  // Spare connections so a pool that replaces a broken client is not refused.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    poolSize: 1,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
