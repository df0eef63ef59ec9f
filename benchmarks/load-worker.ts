import autocannon from 'autocannon';
import { exitWithParent } from './processes';
import type { LoadMessage, LoadRequest, LoadResult, LoadSpec } from './protocol';
import { percentile } from './stats';

/**
 * Entry point of the load child: runs one autocannon load as the bench asks, in a process of
 * its own so that load generation and the app under test never share an event loop.
 */
let running: autocannon.Instance | undefined;

function send(message: LoadMessage): void {
  process.send?.(message);
}

/** Round-robin over the cookie pool, shared by every connection; or a uniformly random draw from it. */
function cookieRotation(cookies: string[], random: boolean): () => string | undefined {
  let next = 0;
  if (cookies.length === 0) {
    return () => undefined;
  }
  return random ? () => cookies[Math.floor(Math.random() * cookies.length)] : () => cookies[next++ % cookies.length];
}

function run(spec: LoadSpec): Promise<LoadResult> {
  const nextCookie = cookieRotation(spec.cookies, spec.randomCookies === true);
  // Unique across loads (each lasts seconds, at far fewer than 1000 requests a millisecond), so no
  // write sets the value a session already holds: express-session would skip such a save.
  let counter = Date.now() * 1000;
  const latencies: number[] = [];
  const dynamic = spec.cookies.length > 0 || spec.counterBody === true;
  const request: autocannon.Request = {
    method: spec.method,
    headers: { 'content-type': 'application/json' },
    body: spec.body,
  };
  if (dynamic) {
    // Rebuilt for every request: the next cookie of the pool, and the next counter value.
    request.setupRequest = (req) => {
      const cookie = nextCookie();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (cookie !== undefined) {
        headers.cookie = cookie;
      }
      return { ...req, headers, body: spec.counterBody ? `{"counter":${++counter}}` : spec.body };
    };
  }
  return new Promise<LoadResult>((resolve, reject) => {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    running = autocannon(
      { url: spec.url, connections: spec.connections, duration: spec.duration, requests: [request], timeout: 10 },
      (error, result) => {
        running = undefined;
        if (error) {
          reject(error);
          return;
        }
        const seconds = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        const completed = latencies.length;
        latencies.sort((a, b) => a - b);
        resolve({
          requests: completed,
          seconds,
          requestsPerSecond: completed / seconds,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: latencies.length === 0 ? 0 : latencies[latencies.length - 1],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes: Object.fromEntries(
            Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]),
          ),
          cpuMs: (cpu.user + cpu.system) / 1000,
        });
      },
    );
    // autocannon's own histogram has a resolution of 1 ms; record sub-millisecond latencies here.
    running.on('response', (_client, _statusCode, _bytes, responseTime) => latencies.push(responseTime));
  });
}

exitWithParent();
process.on('message', (message: LoadRequest) => {
  if (message.type === 'stop') {
    running?.stop();
  } else if (message.type === 'run') {
    run(message.spec).then(
      (result) => send({ type: 'result', result }),
      (error: unknown) => send({ type: 'failed', error: error instanceof Error ? error.message : String(error) }),
    );
  }
});
