import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Options of {@link createGracefulShutdown}. */
export interface GracefulShutdownOptions {
  /** Milliseconds after the shutdown began at which every connection still open is closed. Default 5000. */
  gracePeriod?: number;
}

/**
 * Prepares an HTTP app to shut down cleanly while keep-alive clients are still sending, and
 * returns the function that shuts it down: call that instead of `app.close()`, from your SIGTERM
 * handler. Call `createGracefulShutdown` once, before `app.listen()`. Express and Fastify alike.
 *
 * Shutting down: every response from then on carries `Connection: close` (those in progress too,
 * unless their headers have gone out), idle keep-alive connections are closed, and `app.close()`
 * runs Nest's shutdown hooks, stops the listener and waits for the requests in progress, whose
 * connections then close. After `gracePeriod` milliseconds (default 5000) every connection still
 * open is closed, so no client can hold the process. The returned promise settles with
 * `app.close()`; calling the function again returns the same promise.
 *
 * Without this, Node's `server.close()` (what `app.close()` and `enableShutdownHooks()` end in)
 * closes only the connections idle at that instant: a client that keeps sending on its keep-alive
 * connection is served for ever and the process never exits.
 */
export function createGracefulShutdown(
  app: INestApplication,
  options: GracefulShutdownOptions = {},
): () => Promise<void> {
  const gracePeriod = options.gracePeriod ?? 5000;
  const server = app.getHttpServer() as Server;
  const inProgress = new Set<ServerResponse>();
  let shuttingDown = false;
  let shutdown: Promise<void> | undefined;

  // Prepended, so that the header is set before the platform's handler can answer.
  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    if (shuttingDown) {
      closeConnectionAfter(response);
    }
    inProgress.add(response);
    response.once('close', () => inProgress.delete(response));
  });

  async function drain(): Promise<void> {
    shuttingDown = true;
    inProgress.forEach(closeConnectionAfter);
    // After this turn of the event loop has read what already arrived: a connection whose next
    // request is waiting to be read is not idle, and a request sent to a closed one would be lost.
    setImmediate(() => server.closeIdleConnections());
    const deadline = setTimeout(() => server.closeAllConnections(), gracePeriod);
    deadline.unref();
    try {
      await app.close();
    } finally {
      clearTimeout(deadline);
    }
  }

  return () => (shutdown ??= drain());
}

/** Tells the client, in this response, that its connection closes after it (HTTP/1.x only). */
function closeConnectionAfter(response: ServerResponse): void {
  if (!response.headersSent && response.req.httpVersionMajor === 1) {
    response.setHeader('Connection', 'close');
  }
}
