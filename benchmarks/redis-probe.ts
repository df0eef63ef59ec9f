import { Redis } from 'ioredis';
import { processCpuMs } from './backend-cpu';

/** Commands that are not the app's: the probe's own INFO, and replicas' acknowledgements to their master. */
const NOT_THE_APPS = new Set(['info', 'replconf']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** What a variant's Redis servers had done at one moment. */
export interface RedisSnapshot {
  /** Calls so far per command (`INFO commandstats`), summed over the masters; these include the commands scripts ran. */
  commands: Record<string, number>;
  /** CPU milliseconds of every server process, masters and replicas; null when the servers are not on this machine. */
  cpuMs: number | null;
}

/**
 * Reads the Redis servers a variant uses: the commands its masters processed, and the CPU of all of
 * them (a replica's share of a write is part of its cost). Server-wide counters: a client other
 * than the app under load would be counted too, which the bench avoids by loading one app at a time.
 */
export class RedisProbe {
  private constructor(
    private readonly masters: Redis[],
    private readonly pids: number[] | null,
    private readonly others: Redis[],
  ) {}

  /** `nodes`: a redis:// URL, or every node of a cluster. */
  static async open(nodes: Array<string | { host: string; port: number }>): Promise<RedisProbe> {
    const clients = nodes.map((node) =>
      typeof node === 'string'
        ? new Redis(node, { maxRetriesPerRequest: 1 })
        : new Redis({ ...node, maxRetriesPerRequest: 1 }),
    );
    // A server that goes away fails the next snapshot; the reconnection attempts need no log of their own.
    clients.forEach((client) => client.on('error', () => undefined));
    const infos = await Promise.all(clients.map((client) => client.info()));
    const field = (info: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1].trim();
    const local = clients.every((client) => LOOPBACK.has(client.options.host ?? ''));
    const pids = local ? infos.map((info) => Number(field(info, 'process_id'))) : null;
    const isMaster = (i: number) => field(infos[i], 'role') === 'master';
    return new RedisProbe(
      clients.filter((_, i) => isMaster(i)),
      pids,
      clients.filter((_, i) => !isMaster(i)),
    );
  }

  async snapshot(): Promise<RedisSnapshot> {
    const commands: Record<string, number> = {};
    for (const info of await Promise.all(this.masters.map((client) => client.info('commandstats')))) {
      for (const [, name, calls] of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
        commands[name] = (commands[name] ?? 0) + Number(calls);
      }
    }
    let cpuMs: number | null = null;
    if (this.pids) {
      const each = await Promise.all(this.pids.map(processCpuMs));
      cpuMs = each.some((ms) => ms === null) ? null : each.reduce((sum: number, ms) => sum + ms!, 0);
    }
    return { commands, cpuMs };
  }

  /** The server's version, for the report. */
  async version(): Promise<string> {
    return /^redis_version:(.*)$/m.exec(await this.masters[0].info('server'))?.[1].trim() ?? 'unknown';
  }

  /** The persistence settings, which weigh on writes: `appendonly` and `save`. */
  async persistence(): Promise<string> {
    const client = this.masters[0];
    const setting = async (name: string) => ((await client.config('GET', name)) as string[])[1] ?? '?';
    const save = await setting('save');
    return `appendonly ${await setting('appendonly')}, save ${save === '' ? 'off' : `"${save}"`}`;
  }

  close(): void {
    [...this.masters, ...this.others].forEach((client) => client.disconnect());
  }
}

/**
 * The commands the servers ran between two snapshots, by name, most first: those the app sent and
 * those its scripts ran (Redis counts both), without the probe's INFO and the replicas' REPLCONF.
 */
export function commandsBetween(before: RedisSnapshot, after: RedisSnapshot): Array<{ text: string; count: number }> {
  return Object.keys(after.commands)
    .filter((name) => !NOT_THE_APPS.has(name))
    .map((text) => ({ text, count: after.commands[text] - (before.commands[text] ?? 0) }))
    .filter((entry) => entry.count > 0)
    .sort((a, b) => b.count - a.count);
}
