import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { spawnChild, stopChild } from './processes';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;

/** Redis servers the bench starts itself, each with its own port, in one temporary directory deleted by `stop()`. */
export interface ThrowawayRedis {
  /** Every server, `127.0.0.1:<port>` (on a cluster, masters and replicas). */
  nodes: Array<{ host: string; port: number }>;
  pids: number[];
  stop(): Promise<void>;
}

/** A free TCP port of 127.0.0.1, picked by the OS. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` on the server at `port` until it answers true. */
async function waitFor(port: number, what: string, check: (client: Redis) => Promise<boolean>): Promise<void> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    retryStrategy: () => 100,
    maxRetriesPerRequest: null,
  });
  client.on('error', () => undefined); // refused until the server listens: what the loop waits for
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (!(await check(client).catch(() => false))) {
      if (Date.now() > deadline) {
        throw new Error(`redis-server on port ${port}: ${what} not reached within ${READY_TIMEOUT_MS} ms`);
      }
      await sleep(100);
    }
  } finally {
    client.disconnect();
  }
}

/** Starts redis-server on a free port, without persistence, and waits until it answers PING. */
async function startServer(dir: string, args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawnChild('redis-server', [
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
    ...args,
  ]);
  const failed = new Promise<never>((_, reject) => child.once('error', reject));
  try {
    await Promise.race([failed, waitFor(port, 'PING', async (client) => (await client.ping()) === 'PONG')]);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { port, child };
}

async function throwaway(
  servers: number,
  args: (dir: string, i: number) => string[] | Promise<string[]>,
  after?: (ports: number[]) => Promise<void>,
): Promise<ThrowawayRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-bench-redis-'));
  const started: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((child) => stopChild(child)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < servers; i++) {
      const { port, child } = await startServer(dir, await args(dir, i));
      started.push(child);
      ports.push(port);
    }
    await after?.(ports);
    return {
      nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
      pids: started.map((child) => child.pid!),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One standalone redis-server; `maxmemory` etc. can be added with `args`. */
export function startThrowawayRedis(args: string[] = []): Promise<ThrowawayRedis> {
  return throwaway(1, () => args);
}

/**
 * A Redis Cluster of `masters` masters with one replica each, joined by `redis-cli --cluster create`;
 * resolves once every node reports `cluster_state:ok` and every replica is in sync.
 */
export function startThrowawayRedisCluster(masters = 3): Promise<ThrowawayRedis> {
  return throwaway(
    masters * 2,
    // The bus port is given, not the default port + 10000, which may lie past 65535.
    async (dir, i) => [
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(await freePort()),
      '--cluster-config-file',
      join(dir, `nodes-${i}.conf`),
      '--cluster-node-timeout',
      '5000',
    ],
    async (ports) => {
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ]);
      for (const port of ports) {
        await waitFor(port, 'cluster_state:ok', async (client) =>
          (await client.cluster('INFO')).includes('cluster_state:ok'),
        );
        await waitFor(port, 'replication in sync', async (client) => {
          const replication = await client.info('replication');
          return replication.includes('role:master') || replication.includes('master_link_status:up');
        });
      }
    },
  );
}
