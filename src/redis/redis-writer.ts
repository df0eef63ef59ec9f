import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { SessionStoreUnavailableError } from '../core/session.errors';
import type { RedisScript, ScriptReply } from './redis-script';

/**
 * Sends the store's writes (its scripts, and the ID pointers a session cannot be found without),
 * and with `waitForReplicas`, waits for the written node's replicas to have each one (`WAIT`,
 * queued in the same pipeline, so sent to the same node).
 */
export class RedisWriter {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly replicas: number,
    private readonly replicaTimeout: number,
  ) {}

  run(script: RedisScript, key: string, args: Array<string | number>): Promise<ScriptReply> {
    if (this.replicas === 0) {
      return script.run(this.client, [key], args);
    }
    return this.durably((pipeline) => script.queue(pipeline, [key], args)) as Promise<ScriptReply>;
  }

  /** Points the key at `value` until `at` (epoch ms). */
  async point(key: string, value: string, at: number): Promise<void> {
    if (this.replicas === 0) {
      await this.client.set(key, value, 'PXAT', at);
    } else {
      await this.durably((pipeline) => pipeline.set(key, value, 'PXAT', at));
    }
  }

  private async durably(queue: (pipeline: ChainableCommander) => ChainableCommander): Promise<unknown> {
    const results = await queue(this.client.pipeline()).wait(this.replicas, this.replicaTimeout).exec();
    const [[writeError, reply], [waitError, acknowledged]] = results as Array<[Error | null, unknown]>;
    if (writeError || waitError) {
      throw writeError ?? waitError;
    }
    if (Number(acknowledged) < this.replicas) {
      throw new SessionStoreUnavailableError(
        `The session write reached ${String(acknowledged)} of the ${this.replicas} Redis replicas asked for (waitForReplicas) within ${this.replicaTimeout} ms`,
      );
    }
    return reply;
  }
}
