import { createHash } from 'node:crypto';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

/** What a script answers, as ioredis returns it. */
export type ScriptReply = string | number | null | ScriptReply[];

/**
 * One Lua script, run by its SHA-1 (`EVALSHA`) and sent whole only when the server does not know
 * it yet (after a restart, or on a node a resharding moved its keys to). The app's client is used
 * as it is: no command is defined on it.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(
    private readonly lua: string,
    private readonly keyCount: number,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis | Cluster, keys: string[], args: Array<string | number>): Promise<ScriptReply> {
    try {
      return (await client.evalsha(this.sha, this.keyCount, ...keys, ...args)) as ScriptReply;
    } catch (error) {
      if (!isNoScript(error)) {
        throw error;
      }
      return (await client.eval(this.lua, this.keyCount, ...keys, ...args)) as ScriptReply;
    }
  }

  /** Queues the script on a pipeline, whole: a pipeline cannot retry a command the server does not know. */
  queue(pipeline: ChainableCommander, keys: string[], args: Array<string | number>): ChainableCommander {
    return pipeline.eval(this.lua, this.keyCount, ...keys, ...args);
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
