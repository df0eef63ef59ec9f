import { Redis } from 'ioredis';

let commands = 0;

type Method = (...args: unknown[]) => unknown;

function countCalls(prototype: Record<string, unknown>, method: string): void {
  const original = prototype[method] as Method;
  prototype[method] = function counted(this: unknown, ...args: unknown[]) {
    commands++;
    return original.apply(this, args);
  };
}

/**
 * Counts every command this process sends to Redis, whichever client sends it: ioredis (this
 * module's store; on a cluster, each node's connection) through `Redis.prototype.sendCommand`,
 * node-redis (connect-redis) through its command queue, which both its client and its cluster's
 * node clients write through. A script (`EVALSHA`) is one command here, whatever it runs on the
 * server. Call before any client is created.
 */
export function countRedisCommands(): void {
  countCalls(Redis.prototype as unknown as Record<string, unknown>, 'sendCommand');
  // Internal to node-redis (no exports map guards it): the one place every command passes.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const queue = require('@redis/client/dist/lib/client/commands-queue') as {
    default: { prototype: Record<string, unknown> };
  };
  countCalls(queue.default.prototype, 'addCommand');
}

/** Commands sent so far. */
export function redisCommandsSent(): number {
  return commands;
}
