import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { OrphanReaper } from './orphan-reaper';
import { baseServerArgs, RedisServerProcess } from './redis-server-process';
import { sleep } from './sleep';

/**
 * A standalone `redis-server` of one test file's own (a temp directory, a free port, nothing saved
 * to disk), so the test can crash it, start it again on the same port, or freeze it so it stops
 * answering, without touching the shared server. `destroy()` kills it by PID and deletes its files;
 * it also runs when the process exits, and an {@link OrphanReaper} does it if the process dies first.
 */
export class ThrowawayRedis {
  private frozen = false;
  private destroyed = false;
  private readonly killOnExit = () => this.killAndDelete();
  private readonly reaper: OrphanReaper;

  private constructor(private readonly server: RedisServerProcess) {
    this.reaper = OrphanReaper.watch(server.dir);
  }

  /** Starts the server and waits until it answers; on failure, removes what it made and rethrows. */
  static async create(): Promise<ThrowawayRedis> {
    const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'nest-sessions-redis-')));
    const port = await freePort();
    const redis = new ThrowawayRedis(new RedisServerProcess(port, dir, baseServerArgs(port, dir)));
    process.once('exit', redis.killOnExit);
    try {
      await redis.start();
      return redis;
    } catch (error) {
      await redis.destroy();
      throw error;
    }
  }

  get port(): number {
    return this.server.port;
  }

  /** The temp directory: `redis.log`. */
  get dir(): string {
    return this.server.dir;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The PID of the server, while it runs. */
  get pid(): number | undefined {
    return this.server.running ? this.server.pid : undefined;
  }

  /** Whether the server process runs (a frozen one does). */
  get running(): boolean {
    return this.server.running;
  }

  /** Starts the server (again) on its port, empty, and waits until it answers PING. */
  async start(): Promise<void> {
    this.frozen = false;
    await this.server.start();
  }

  /**
   * Stops the server and waits until it has exited: `SIGKILL` (default) as a crash, connections
   * reset at once; `SIGTERM` as a clean shutdown. A frozen server is thawed so it can act on it.
   */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    await this.server.stop(signal);
    this.frozen = false;
  }

  /** SIGSTOP: the server keeps its port and accepts connections, but answers nothing until {@link thaw}. */
  freeze(): void {
    this.server.signal('SIGSTOP');
    this.frozen = true;
  }

  /** SIGCONT: the frozen server answers again, the commands it held first. */
  thaw(): void {
    if (this.frozen) {
      this.server.signal('SIGCONT');
      this.frozen = false;
    }
  }

  /** Freezes the server for `ms` milliseconds; resolves once it answers again (don't await it to act meanwhile). */
  async pause(ms: number): Promise<void> {
    this.freeze();
    await sleep(ms);
    this.thaw();
  }

  /** Kills the server by PID, waits until it has exited, and deletes its directory. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) {
      return;
    }
    this.destroyed = true;
    await this.server.stop('SIGKILL');
    this.killAndDelete();
    process.off('exit', this.killOnExit);
    this.reaper.cancel();
  }

  /** Synchronous, so it also works from a process `exit` handler. */
  private killAndDelete(): void {
    this.server.killNow();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
