import type { INestApplication } from '@nestjs/common';
import type { App } from 'supertest/types';
import type { SampleConfig } from '../../sample/sample-config';
import { startSampleApp } from './sample-app';
import { SessionAgent } from './session-agent';

/** The sample app listening on a free local port, so tests drive it over real HTTP on any platform. */
export interface SampleServer {
  app: INestApplication<App>;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** A new client without a cookie, or holding `cookie`. */
  agent(cookie?: string): SessionAgent;
  close(): Promise<void>;
}

/** Starts the sample (see {@link startSampleApp} for the test defaults) and listens on 127.0.0.1. */
export async function startSampleServer(
  databaseUrl: string,
  overrides: Partial<SampleConfig> = {},
): Promise<SampleServer> {
  const app = await startSampleApp(databaseUrl, overrides);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  const url = await app.getUrl();
  return {
    app,
    url,
    agent: (cookie) => new SessionAgent(url, cookie),
    close: () => app.close(),
  };
}

/**
 * Registers, in the enclosing `describe`, the hooks that start the sample server (as
 * {@link startSampleServer} does) before its tests and close it after them. The server it returns
 * stands for the one started: use it inside hooks and tests only. `databaseUrl` is read in `beforeAll`,
 * so it may come from a database that an outer `beforeAll` creates.
 */
export function useSampleServer(databaseUrl: () => string, overrides: Partial<SampleConfig> = {}): SampleServer {
  let server: SampleServer | undefined;
  beforeAll(async () => {
    server = await startSampleServer(databaseUrl(), overrides);
  });
  afterAll(async () => {
    await server?.close();
  });
  const started = (): SampleServer => {
    if (!server) {
      throw new Error('The sample server starts in beforeAll: use it inside hooks and tests only.');
    }
    return server;
  };
  return {
    get app() {
      return started().app;
    },
    get url() {
      return started().url;
    },
    agent: (cookie) => started().agent(cookie),
    close: () => started().close(),
  };
}
