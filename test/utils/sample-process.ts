import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { e2eSampleStore } from './e2e-store';
import { SAMPLE_MAIN } from './sample-build';

export { buildSample, SAMPLE_MAIN } from './sample-build';

/** How the process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The sample running as a process of its own, the way it runs in production. */
export interface SampleProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** Resolves when the process has ended. */
  exited: Promise<ProcessExit>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once its output contains `text`; rejects after `within` ms or when it exits first. */
  waitForOutput(text: string, within?: number): Promise<void>;
  /** Sends a signal to the process. */
  signal(signal: NodeJS.Signals): void;
  /** Kills it (SIGKILL) unless it has ended already, and waits for it to end. */
  kill(): Promise<void>;
}

/** A TCP port nobody listens on at the moment. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') {
    throw new Error('No port was assigned');
  }
  return address.port;
}

/** The sample's environment for the e2e run's store (see `E2E_SESSION_STORE`): nothing on PostgreSQL. */
function storeEnv(): NodeJS.ProcessEnv {
  const store = e2eSampleStore();
  if (store.store !== 'redis') {
    return {};
  }
  return {
    SESSION_STORE: 'redis',
    REDIS_URL: store.redisUrl,
    REDIS_CLUSTER_NODES: store.redisClusterNodes?.join(','),
    SESSION_REDIS_PREFIX: store.redisPrefix,
  };
}

/**
 * Starts `node dist-sample/sample/main.js` (build it first with {@link buildSample}) with `env`
 * and the e2e run's store added to this process's environment, on a free port, and resolves once
 * it prints that it is listening. Kill it in an `afterEach` with {@link SampleProcess.kill}.
 */
export async function startSampleProcess(env: NodeJS.ProcessEnv, within = 20_000): Promise<SampleProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [SAMPLE_MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...storeEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const onOutput = (chunk: Buffer) => (output += chunk.toString());
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let ended = false;
  void exited.then(() => (ended = true));

  async function waitForOutput(text: string, timeout = 10_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!output.includes(text)) {
      if (ended || Date.now() > deadline) {
        throw new Error(
          `The sample did not print "${text}" (${ended ? 'it exited' : `within ${timeout} ms`}):\n${output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const sample: SampleProcess = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    exited,
    output: () => output,
    waitForOutput,
    signal: (signal) => void child.kill(signal),
    async kill() {
      if (!ended) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  try {
    await waitForOutput(`listening on ${sample.url}`, within);
  } catch (error) {
    await sample.kill();
    throw error;
  }
  return sample;
}
