import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port';
import { sleep } from './sleep';

/**
 * One `redis-server` child process (not daemonized, so its PID is the child's), started in `dir`
 * with `args`, logging to `dir/redis.log`. It can be started again with the same arguments after
 * it was killed, and stopped or frozen by signal. The child is unref'd: a process that forgot to
 * stop it still exits, and its owner's `exit` guard kills it by PID.
 */
export class RedisServerProcess {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: readonly string[],
  ) {}

  /** The PID of the process started last, alive or not. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether the process started last has not exited (a frozen process still runs). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get logFile(): string {
    return path.join(this.dir, 'redis.log');
  }

  /** Spawns the server and waits until it answers PING; if it exits first, throws with its log's tail. */
  async start(within = 10_000): Promise<void> {
    if (this.running) {
      throw new Error(`redis-server on port ${this.port} is already running (PID ${this.pid})`);
    }
    const log = openSync(this.logFile, 'a');
    try {
      this.child = spawn('redis-server', [...this.args], {
        cwd: this.dir,
        stdio: ['ignore', log, log],
        detached: false,
      });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    child.unref();
    try {
      // Rejects with the 'error' event if the binary cannot be run (not on the PATH).
      await once(child, 'spawn');
    } catch (error) {
      throw new Error(`could not start redis-server: ${(error as Error).message}`, { cause: error });
    }
    const deadline = Date.now() + within;
    for (;;) {
      if (!this.running) {
        throw new Error(`redis-server on port ${this.port} exited at start:\n${this.logTail()}`);
      }
      if ((await redisCommand(this.port, ['PING']).catch(() => undefined)) === 'PONG') {
        return;
      }
      if (Date.now() > deadline) {
        this.killNow();
        throw new Error(
          `redis-server on port ${this.port} did not answer PING within ${within} ms:\n${this.logTail()}`,
        );
      }
      await sleep(50);
    }
  }

  /** Sends `signal` (a frozen process is woken up so it can act on it) and waits until the process has exited. */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) {
      return;
    }
    const exited = once(child, 'exit');
    this.signal(signal);
    this.signal('SIGCONT');
    await exited;
  }

  /** Sends `signal` to the running process (SIGSTOP freezes it, SIGCONT thaws it); a no-op once it has exited. */
  signal(signal: NodeJS.Signals): void {
    if (this.running && this.pid !== undefined) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // It exited between the check and the signal.
      }
    }
  }

  /** SIGKILL without waiting: synchronous, so it also works from a process `exit` handler. */
  killNow(): void {
    this.signal('SIGKILL');
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** The arguments every throwaway server shares: loopback only, foreground, nothing written to disk. */
export function baseServerArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ];
}

/**
 * Runs one command on the server at 127.0.0.1:`port` over a connection of its own, without retries,
 * and closes it: fit for polling servers that may be down.
 */
export async function redisCommand(
  port: number,
  [command, ...args]: readonly (string | number)[],
  timeout = 2000,
): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: timeout,
    commandTimeout: timeout,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Failures surface as the rejected promise; without a listener ioredis would also log them.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(String(command), ...args);
  } finally {
    // After a refused connection the client has ended: disconnecting again would leave a 2 s timer behind.
    if (client.status !== 'end') {
      client.disconnect();
    }
  }
}

/** `count` distinct TCP ports on 127.0.0.1 that nothing listens on right now. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    ports.add(await freePort());
  }
  return [...ports];
}
