import { join } from 'node:path';
import { startChild, stopChild, waitForMessage } from './processes';
import type { LoadMessage, LoadRequest, LoadResult, LoadSpec } from './protocol';

/** Slack on top of the load's own duration before the bench gives up on the load child. */
const LOAD_GRACE_MS = 30_000;

/** A load run in progress, in its own child process; `stop()` ends it early. */
export interface RunningLoad {
  result: Promise<LoadResult>;
  stop(): void;
}

/** Starts autocannon in a fresh child process with `spec`. */
export function startLoad(spec: LoadSpec): RunningLoad {
  const child = startChild(join(__dirname, 'load-worker.js'));
  const result = waitForMessage(
    child,
    (message) => {
      const reply = message as LoadMessage;
      if (reply.type === 'failed') {
        throw new Error(`load on ${spec.url} failed: ${reply.error}`);
      }
      return reply.type === 'result' ? reply.result : undefined;
    },
    spec.duration * 1000 + LOAD_GRACE_MS,
    `load on ${spec.url}`,
  ).finally(() => stopChild(child));
  child.send({ type: 'run', spec } satisfies LoadRequest);
  return {
    result,
    stop: () => {
      if (child.connected) {
        child.send({ type: 'stop' } satisfies LoadRequest);
      }
    },
  };
}

/** Runs a load to its end. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return startLoad(spec).result;
}
