import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startChild, stopChild, waitForMessage } from './processes';
import type { AppConfig, AppCounters, AppMessage, AppRequest } from './protocol';

const START_TIMEOUT_MS = 60_000;
const ANSWER_TIMEOUT_MS = 10_000;
/** The cleanup of a million rows is the longest thing an app is asked to do. */
const CLEANUP_TIMEOUT_MS = 15 * 60_000;
const SEED_TIMEOUT_MS = 10 * 60_000;

/** One app under test, running in its own child process. */
export class AppHost {
  private nextId = 1;

  private constructor(
    readonly config: AppConfig,
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {}

  static async start(config: AppConfig): Promise<AppHost> {
    const child = startChild(join(__dirname, 'variants', 'server.js'), [JSON.stringify(config)]);
    try {
      const port = await waitForMessage(
        child,
        (message) => {
          const reply = message as AppMessage;
          if (reply.type === 'failed') {
            throw new Error(`${config.variant} did not start: ${reply.error}`);
          }
          return reply.type === 'ready' ? reply.port : undefined;
        },
        START_TIMEOUT_MS,
        `starting ${config.variant}`,
      );
      return new AppHost(config, child, `http://127.0.0.1:${port}`);
    } catch (error) {
      await stopChild(child);
      throw error;
    }
  }

  get variant(): AppConfig['variant'] {
    return this.config.variant;
  }

  /** HTTP requests the app received, SQL statements and Redis commands it sent, its cache's counters, since it started. */
  async counters(): Promise<AppCounters> {
    const reply = await this.ask({ id: this.nextId++, type: 'counters' }, ANSWER_TIMEOUT_MS);
    if (reply.type !== 'counters') {
      throw new Error(`${this.variant} answered ${reply.type} to a counters request`);
    }
    const { requests, statements, redisCommands, cpuMs, texts, cache } = reply;
    return { requests, statements, redisCommands, cpuMs, texts, cache };
  }

  /** Runs `SessionCleanupService.run()` inside the app; how many rows it deleted and how long it took. */
  async cleanup(): Promise<{ deleted: number; outcome: string; milliseconds: number; batchSize: number }> {
    const reply = await this.ask({ id: this.nextId++, type: 'cleanup' }, CLEANUP_TIMEOUT_MS);
    if (reply.type !== 'cleanup') {
      throw new Error(`${this.variant} answered ${reply.type} to a cleanup request`);
    }
    const { deleted, outcome, milliseconds, batchSize } = reply;
    return { deleted, outcome, milliseconds, batchSize };
  }

  /** Makes `count` sessions like those the `templates` cookies name, through the app's own store; their cookies. */
  async seed(templates: string[], count: number): Promise<string[]> {
    const reply = await this.ask({ id: this.nextId++, type: 'seed', templates, count }, SEED_TIMEOUT_MS);
    if (reply.type !== 'seed') {
      throw new Error(`${this.variant} answered ${reply.type} to a seed request`);
    }
    return reply.cookies;
  }

  /** Starts the app's CPU profiler. */
  async startProfile(): Promise<void> {
    await this.ask({ id: this.nextId++, type: 'profile-start' }, ANSWER_TIMEOUT_MS);
  }

  /** Stops the app's CPU profiler and has it write the profile to `file`. */
  async stopProfile(file: string): Promise<void> {
    await this.ask({ id: this.nextId++, type: 'profile-stop', file }, ANSWER_TIMEOUT_MS);
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }

  private ask(request: AppRequest, timeoutMs: number): Promise<AppMessage> {
    const answer = waitForMessage(
      this.child,
      (message) => ((message as { id?: number }).id === request.id ? (message as AppMessage) : undefined),
      timeoutMs,
      `${this.variant} ${request.type}`,
    );
    this.child.send(request);
    return answer;
  }
}
