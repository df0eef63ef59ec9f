import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import calculateSlot from 'cluster-key-slot';
import { OrphanReaper } from './orphan-reaper';
import { unsettledReason, waitUntil } from './redis-cluster-health';
import { ownerOf, parseClusterNodes, slotsIn, type ClusterTopology } from './redis-cluster-topology';
import { baseServerArgs, freePorts, redisCommand, RedisServerProcess } from './redis-server-process';

const execFileAsync = promisify(execFile);

/** How long a node may be unreachable before the cluster fails it over: a failover then takes 2 to 3 s. */
const NODE_TIMEOUT_MS = 1000;

/** The shape of a {@link ThrowawayRedisCluster}; `redis-cli` needs at least 3 masters. */
export interface ThrowawayRedisClusterOptions {
  /** Default 3. */
  masters?: number;
  /** Default 1. */
  replicasPerMaster?: number;
}

/** How {@link ThrowawayRedisCluster.moveSlots} migrates keys. */
export interface MoveSlotsOptions {
  /** Keys per MIGRATE (redis-cli's `--cluster-pipeline`, default 10): 1 makes the migration slower, so traffic overlaps it. */
  pipeline?: number;
}

/**
 * A Redis Cluster of one test file's own: `redis-server` processes on free ports (masters and their
 * replicas, each in a directory of a temp directory), joined with `redis-cli --cluster create`. The
 * test can crash a node, wait for its replica to take over, bring it back, and move slots while
 * clients run. `destroy()` kills every node by PID and deletes the files; it also runs when the
 * process exits, and an {@link OrphanReaper} does it if the process dies first (or is a Jest test
 * file, whose `process` never emits `exit`), so a test that dies midway leaves nothing behind.
 */
export class ThrowawayRedisCluster {
  /** The topology just before each node was killed: what {@link waitForPromotion} compares with. */
  private readonly beforeKill = new Map<number, ClusterTopology>();
  private destroyed = false;
  private readonly killOnExit = () => this.killAndDelete();
  private readonly reaper: OrphanReaper;

  private constructor(
    /** The temp directory: one directory per node, named by its port, with `nodes.conf` and `redis.log`. */
    readonly dir: string,
    private readonly servers: readonly RedisServerProcess[],
  ) {
    this.reaper = OrphanReaper.watch(dir);
  }

  /**
   * Starts the nodes, creates the cluster and waits until it is settled; on any failure, removes what
   * it made and rethrows. A port taken between choosing it and binding it (another process on the
   * machine) costs a new attempt on other ports, not the test.
   */
  static async create(options: ThrowawayRedisClusterOptions = {}): Promise<ThrowawayRedisCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ThrowawayRedisCluster.createOnce(options);
      } catch (error) {
        if (attempt === 3 || !String(error).includes('Address already in use')) {
          throw error;
        }
      }
    }
  }

  private static async createOnce(options: ThrowawayRedisClusterOptions): Promise<ThrowawayRedisCluster> {
    const { masters = 3, replicasPerMaster = 1 } = options;
    if (masters < 3) {
      throw new Error(`a Redis Cluster needs at least 3 masters; got ${masters}`);
    }
    const size = masters * (1 + replicasPerMaster);
    const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'nest-sessions-redis-cluster-')));
    // Each node needs two ports: clients' and the cluster bus's.
    const ports = await freePorts(2 * size);
    const servers = ports.slice(0, size).map((port, i) => {
      const nodeDir = path.join(dir, String(port));
      mkdirSync(nodeDir);
      return new RedisServerProcess(port, nodeDir, [...baseServerArgs(port, nodeDir), ...clusterArgs(ports[size + i])]);
    });
    const cluster = new ThrowawayRedisCluster(dir, servers);
    process.once('exit', cluster.killOnExit);
    try {
      await Promise.all(servers.map((server) => server.start()));
      const replicas = String(replicasPerMaster);
      await redisCli(['--cluster', 'create', ...cluster.addresses(), '--cluster-replicas', replicas, '--cluster-yes']);
      await cluster.waitUntilSettled('the new cluster');
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  /** The client ports of all nodes, in the order they were started. */
  get ports(): number[] {
    return this.servers.map((server) => server.port);
  }

  /** Every node, as ioredis's `Cluster` takes its startup nodes. */
  seeds(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  /** Every node as `127.0.0.1:p1,127.0.0.1:p2,...`, the format of `REDIS_CLUSTER_NODES`. */
  seedList(): string {
    return this.addresses().join(',');
  }

  private addresses(): string[] {
    return this.ports.map((port) => `127.0.0.1:${port}`);
  }

  /** Who is master or replica of whom and which slots each master serves, as the first running node sees it. */
  async topology(): Promise<ClusterTopology> {
    let lastError: unknown = new Error('no node of the cluster is running');
    for (const server of this.liveServers()) {
      try {
        return parseClusterNodes(String(await redisCommand(server.port, ['CLUSTER', 'NODES'])));
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /** The hash slot of `key` (hash tags included), as every cluster client computes it. */
  slotOf(key: string): number {
    return calculateSlot(key);
  }

  /** The port of the master serving `slot` now. */
  async masterOf(slot: number): Promise<number> {
    const owner = ownerOf(await this.topology(), slot);
    if (!owner) {
      throw new Error(`no master serves slot ${slot}`);
    }
    return owner.port;
  }

  /** Kills the node on `port` with SIGKILL, as a crash would, and waits until it has exited. */
  async kill(port: number): Promise<void> {
    const server = this.serverAt(port);
    const before = await this.topology().catch(() => undefined);
    if (before) {
      this.beforeKill.set(port, before);
    }
    await server.stop('SIGKILL');
  }

  /**
   * Waits until the cluster has settled with one of the replicas that the master on `deadMasterPort`
   * had (when {@link kill} killed it) now serving all of its slots; gives that replica's port.
   */
  async waitForPromotion(deadMasterPort: number, within = 30_000): Promise<number> {
    const before = this.beforeKill.get(deadMasterPort);
    const dead = before?.nodes.find((node) => node.port === deadMasterPort);
    if (!before || !dead || dead.slots.length === 0) {
      throw new Error(`${deadMasterPort} is not a master that kill() killed`);
    }
    const formerReplicas = new Set(before.nodes.filter((node) => node.masterId === dead.id).map((node) => node.id));
    if (formerReplicas.size === 0) {
      throw new Error(`the master on ${deadMasterPort} had no replica to take over`);
    }
    let promoted: number | undefined;
    await this.waitUntilSettled(`a replica of ${deadMasterPort} taking over`, within, async () => {
      const now = await this.topology();
      const owners = new Set(dead.slots.map(([first]) => ownerOf(now, first)));
      const [owner] = owners;
      if (owners.size !== 1 || !owner || !formerReplicas.has(owner.id)) {
        return `the slots of ${deadMasterPort} are served by ${[...owners].map((node) => node?.port).join(', ')}`;
      }
      promoted = owner.port;
      return undefined;
    });
    return promoted!;
  }

  /** Starts a killed node again with its directory and config: it rejoins (a former master as a replica). Waits until the cluster has settled. */
  async restart(port: number): Promise<void> {
    await this.serverAt(port).start();
    this.beforeKill.delete(port);
    await this.waitUntilSettled(`${port} rejoining`);
  }

  /**
   * Moves `count` slots, with their keys, from the master on `fromPort` to the one on `toPort` with
   * `redis-cli --cluster reshard` (MIGRATE per key: clients see MOVED and ASK meanwhile), and waits
   * until the cluster has settled. Gives the slots that moved.
   */
  async moveSlots(fromPort: number, toPort: number, count: number, options: MoveSlotsOptions = {}): Promise<number[]> {
    await this.waitUntilSettled('the cluster before resharding');
    const before = await this.topology();
    const [from, to] = [fromPort, toPort].map((port) => before.masters.find((node) => node.port === port));
    if (!from || !to) {
      throw new Error(`both ${fromPort} and ${toPort} must be masters serving slots`);
    }
    const pipeline = options.pipeline === undefined ? [] : ['--cluster-pipeline', String(options.pipeline)];
    await redisCli([
      ...['--cluster', 'reshard', `127.0.0.1:${fromPort}`, '--cluster-from', from.id, '--cluster-to', to.id],
      ...['--cluster-slots', String(count), '--cluster-yes', ...pipeline],
    ]);
    await this.waitUntilSettled('the cluster after resharding');
    const after = await this.topology();
    return slotsIn(from.slots).filter((slot) => ownerOf(after, slot)?.id === to.id);
  }

  /** FLUSHALL on every master (their replicas follow). */
  async flushAll(): Promise<void> {
    const { masters } = await this.topology();
    await Promise.all(masters.map((node) => redisCommand(node.port, ['FLUSHALL'])));
  }

  /** Kills every node by PID, waits until they have exited, and deletes the directory. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) {
      return;
    }
    this.destroyed = true;
    await Promise.all(this.servers.map((server) => server.stop('SIGKILL')));
    this.killAndDelete();
    process.off('exit', this.killOnExit);
    this.reaper.cancel();
  }

  /** The PIDs of the node processes that are running. */
  pids(): number[] {
    return this.liveServers().map((server) => server.pid!);
  }

  /** Waits until {@link unsettledReason} finds nothing, nor `extra`. */
  private async waitUntilSettled(
    what: string,
    within = 30_000,
    extra?: () => Promise<string | undefined>,
  ): Promise<void> {
    const live = () => this.liveServers().map((server) => server.port);
    await waitUntil(
      what,
      async () => (await unsettledReason(live(), this.servers.length)) ?? (await extra?.()),
      within,
    );
  }

  private liveServers(): RedisServerProcess[] {
    return this.servers.filter((server) => server.running);
  }

  private serverAt(port: number): RedisServerProcess {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (!server) {
      throw new Error(`no node of this cluster listens on ${port}`);
    }
    return server;
  }

  /** Synchronous, so it also works from a process `exit` handler. */
  private killAndDelete(): void {
    this.servers.forEach((server) => server.killNow());
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A node's cluster settings, `busPort` its cluster bus (not port + 10000, which may be taken or past 65535). */
function clusterArgs(busPort: number): string[] {
  return [
    ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort)],
    ...['--cluster-node-timeout', String(NODE_TIMEOUT_MS)],
    // A replica always stands in for its dead master, however long ago it last heard from it.
    ...['--cluster-replica-validity-factor', '0'],
    // Replicas (and a restarted node) sync at once instead of after the default 5 s.
    ...['--repl-diskless-sync-delay', '0'],
    // The other shards keep serving while one has no master (the default stops the whole cluster):
    // what docs/stores.md recommends for sessions.
    ...['--cluster-require-full-coverage', 'no'],
  ];
}

async function redisCli(args: string[]): Promise<void> {
  try {
    await execFileAsync('redis-cli', args, { timeout: 120_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `redis-cli ${args.slice(0, 2).join(' ')} failed: ${stderr || ''}${stdout || (error as Error).message}`,
      { cause: error },
    );
  }
}
