import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Agent, get, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createGracefulShutdown } from '../src';
import { createFixtureApp } from './utils/fixture-app';
import { PLATFORMS, type Platform } from './utils/platforms';

/** Requests held by `GET /hold`, answered when the test calls them. */
const held: (() => void)[] = [];
/** How many `GET /never` requests reached the handler. */
let neverReached = 0;

@Controller()
class DrainFixtureController {
  @Get('fast')
  fast(): { ok: true } {
    return { ok: true };
  }

  @Get('hold')
  hold(): Promise<{ ok: true }> {
    return new Promise((resolve) => held.push(() => resolve({ ok: true })));
  }

  @Get('never')
  never(): Promise<never> {
    neverReached++;
    return new Promise(() => undefined);
  }
}

function startFixtureApp(platform: Platform): Promise<INestApplication> {
  return createFixtureApp(platform, { controllers: [DrainFixtureController] });
}

/** GET on a keep-alive agent; resolves with the response read to its end and the socket it came on. */
function fetchOn(agent: Agent, url: string): Promise<{ response: IncomingMessage; body: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ response, body, socket: req.socket as Socket }));
    });
    req.on('error', reject);
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(PLATFORMS)('createGracefulShutdown on %s', (platform) => {
  let app: INestApplication;
  let url: string;
  const agents: Agent[] = [];

  function keepAliveAgent(): Agent {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  }

  afterEach(async () => {
    held.splice(0).forEach((release) => release());
    agents.splice(0).forEach((agent) => agent.destroy());
    await app.close().catch(() => undefined);
  });

  it('closes idle keep-alive connections, answers requests in progress with Connection: close, then closes the app', async () => {
    app = await startFixtureApp(platform);
    const shutdown = createGracefulShutdown(app);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    const idle = await fetchOn(keepAliveAgent(), `${url}/fast`);
    expect(idle.response.headers.connection).toBe('keep-alive');
    const idleClosed = new Promise((resolve) => idle.socket.once('close', resolve));
    const inProgress = fetchOn(keepAliveAgent(), `${url}/hold`);
    await waitFor(() => held.length === 1);

    const closed = shutdown();
    await idleClosed;
    held.shift()!();
    const answer = await inProgress;
    await closed;

    expect(answer.response.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: true });
    expect(answer.response.headers.connection).toBe('close');
    expect(shutdown()).toBe(closed);
  });

  it('closes every connection left once the grace period is over', async () => {
    neverReached = 0;
    app = await startFixtureApp(platform);
    const shutdown = createGracefulShutdown(app, { gracePeriod: 200 });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    const neverAnswered = fetchOn(keepAliveAgent(), `${url}/never`);
    const outcome = neverAnswered.then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    await waitFor(() => neverReached === 1);

    await shutdown();

    await expect(outcome).resolves.toBe('ECONNRESET');
  });
});
