import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { SESSION_COOKIE } from './utils/session-cookie';
import { PLATFORMS } from './utils/platforms';
import { buildSample, startSampleProcess, type ProcessExit, type SampleProcess } from './utils/sample-process';
import { TEST_SECRET } from './utils/sample-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** How long the sample may take to exit after SIGTERM: generous, since the point is that it exits at all. */
const EXIT_BOUND = 15_000;
const CLIENTS = 4;
/** Each client stops after this many requests, whatever happens. */
const MAX_REQUESTS_PER_CLIENT = 20_000;

type Phase = 'before SIGTERM' | 'after SIGTERM' | 'shutting down';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What happened to one request of a keep-alive client. */
interface Outcome {
  /** When it was sent: before SIGTERM, after it but before the sample said it was shutting down, after that. */
  sent: Phase;
  answer?: Answer;
  /** A connection-level failure before any byte of a response. */
  refused?: string;
  /** Anything else: a response cut short, an unexpected error. */
  failure?: string;
}

/** Sends one request; rejects with `{ code, partial }` when the connection fails. */
function send(
  url: string,
  options: { method?: string; path: string; agent: Agent; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let partial = false;
    const req = request(`${url}${options.path}`, {
      method: options.method ?? 'GET',
      agent: options.agent,
      headers: options.headers,
    });
    req.on('error', (error: NodeJS.ErrnoException) => reject({ code: error.code ?? error.message, partial }));
    req.on('response', (res) => {
      partial = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', (error: NodeJS.ErrnoException) => reject({ code: error.code ?? error.message, partial }));
    });
    req.end(options.body);
  });
}

beforeAll(() => buildSample(), 180_000);

describe.each(PLATFORMS)('shutdown of the sample process on %s', (platform) => {
  let db: TestDatabase;
  let sample: SampleProcess | undefined;
  const agents: Agent[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(`shutdown_${platform}`);
  });

  afterEach(async () => {
    agents.splice(0).forEach((agent) => agent.destroy());
    await sample?.kill();
    sample = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** A client on one keep-alive connection, calling GET /counter with its session until told to stop. */
  async function keepSending(state: { stop: boolean; phase: Phase }, outcomes: Outcome[]): Promise<void> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    let cookie: string | undefined;
    for (let i = 0; i < MAX_REQUESTS_PER_CLIENT && !state.stop; i++) {
      const sent = state.phase;
      try {
        const answer = await send(sample!.url, { path: '/counter', agent, headers: cookie ? { Cookie: cookie } : {} });
        outcomes.push({ sent, answer });
        cookie ??= sessionCookieOf(answer.headers);
      } catch (error) {
        const { code, partial } = error as { code: string; partial: boolean };
        outcomes.push(partial ? { sent, failure: code } : { sent, refused: code });
        return;
      }
    }
  }

  /**
   * A request the sample has surely received and is still handling: `PUT /kv/inflight` sent with
   * `Expect: 100-continue`, whose body is held back until `release()`. The server's `100 Continue`
   * proves the request reached the app.
   */
  async function startInFlightRequest(): Promise<{ release(): Promise<Answer> }> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const body = JSON.stringify({ value: 'finished after SIGTERM' });
    const req = request(`${sample!.url}/kv/inflight`, {
      method: 'PUT',
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length), Expect: '100-continue' },
    });
    const answer = new Promise<Answer>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
    });
    answer.catch(() => undefined);
    req.flushHeaders();
    await new Promise<void>((resolve, reject) => {
      req.once('continue', resolve);
      req.once('error', reject);
    });
    return {
      release: () => {
        req.end(body);
        return answer;
      },
    };
  }

  function exitWithin(bound: number): Promise<ProcessExit | 'still running'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'still running'>(
      (resolve) => (timer = setTimeout(() => resolve('still running'), bound)),
    );
    return Promise.race([sample!.exited, timeout]).finally(() => clearTimeout(timer));
  }

  it('exits 0 on SIGTERM under keep-alive load, answering in-flight requests and closing connections', async () => {
    sample = await startSampleProcess({
      DATABASE_URL: db.url,
      PLATFORM: platform,
      SESSION_SECRET: TEST_SECRET,
    });
    const state: { stop: boolean; phase: Phase } = { stop: false, phase: 'before SIGTERM' };
    const outcomes: Outcome[] = [];
    const clients = Array.from({ length: CLIENTS }, () => keepSending(state, outcomes));
    try {
      await waitUntil(() => outcomes.length >= CLIENTS * 20);
      const inFlight = await startInFlightRequest();

      state.phase = 'after SIGTERM';
      sample.signal('SIGTERM');
      await sample.waitForOutput('SIGTERM: shutting down');
      state.phase = 'shutting down';
      const inFlightAnswer = await inFlight.release();
      const exit = await exitWithin(EXIT_BOUND);

      if (exit === 'still running' || exit.code !== 0) {
        const seen = JSON.stringify(summary(outcomes));
        throw new Error(`Not exited 0 (${JSON.stringify(exit)}); requests: ${seen}; output:\n${sample.output()}`);
      }
      expect(exit).toEqual({ code: 0, signal: null });
      expect(inFlightAnswer).toMatchObject({ status: 200, body: JSON.stringify({ ok: true }) });
      expect(inFlightAnswer.headers.connection).toBe('close');
      // No response cut short, and every one a 200.
      expect(outcomes.filter((outcome) => outcome.failure)).toEqual([]);
      const answers = outcomes.filter((outcome) => outcome.answer);
      answers.forEach(({ answer }) => expect(answer!.status).toBe(200));
      // Sent once the sample was shutting down: answered with `Connection: close`, or refused at the
      // connection (the listener closed, or the connection closed as idle before the request reached it).
      const duringShutdown = answers.filter((outcome) => outcome.sent === 'shutting down');
      duringShutdown.forEach(({ answer }) => expect(answer!.headers.connection).toBe('close'));
      // A request that failed did so at the connection. One sent before SIGTERM can only have met a
      // keep-alive connection closed as idle while it was on its way (clients retry those), never a
      // closed listener.
      const refused = outcomes.filter((outcome) => outcome.refused);
      refused.forEach(({ refused }) => expect(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']).toContain(refused));
      const refusedBefore = refused.filter((outcome) => outcome.sent === 'before SIGTERM');
      refusedBefore.forEach(({ refused }) => expect(['ECONNRESET', 'EPIPE']).toContain(refused));
    } finally {
      state.stop = true;
      agents.forEach((agent) => agent.destroy());
      await sample.kill();
      await Promise.all(clients);
    }
  }, 60_000);
});

/** How many requests had each fate, e.g. `{"before: 200 keep-alive": 80, "during: ECONNREFUSED": 4}`. */
function summary(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const fate = o.answer ? `${o.answer.status} ${o.answer.headers.connection}` : (o.refused ?? o.failure);
    const key = `${o.sent}: ${fate}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function sessionCookieOf(headers: IncomingHttpHeaders): string | undefined {
  return headers['set-cookie']?.find((line) => line.startsWith(`${SESSION_COOKIE}=`))?.split(';')[0];
}

async function waitUntil(condition: () => boolean, within = 10_000): Promise<void> {
  const deadline = Date.now() + within;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${within} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
