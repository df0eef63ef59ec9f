import { CLUSTER_SLOTS, parseClusterNodes, configOf, type ClusterTopology } from './redis-cluster-topology';
import { redisCommand } from './redis-server-process';
import { sleep } from './sleep';

/** What one live node says about the cluster. */
interface NodeView {
  port: number;
  info: string;
  topology: ClusterTopology;
}

/**
 * Why the cluster has not settled yet, as seen from the nodes at `livePorts` (the ones running), or
 * `undefined` once it has: every live node says `cluster_state:ok` with all 16384 slots served, knows
 * all `knownNodes` nodes, sees no live node as failed, agrees with the others on who serves which slot
 * and who replicates whom, and has no slot in migration; every live replica's link to its master is up.
 */
export async function unsettledReason(livePorts: readonly number[], knownNodes: number): Promise<string | undefined> {
  let views: NodeView[];
  try {
    views = await Promise.all(livePorts.map(viewOf));
  } catch (error) {
    return `a node does not answer: ${(error as Error).message}`;
  }
  for (const { port, info, topology } of views) {
    const state = field(info, 'cluster_state');
    const slotsOk = Number(field(info, 'cluster_slots_ok'));
    if (state !== 'ok' || slotsOk !== CLUSTER_SLOTS) {
      return `${port} says cluster_state:${state}, cluster_slots_ok:${slotsOk}`;
    }
    if (topology.nodes.length !== knownNodes) {
      return `${port} knows ${topology.nodes.length} of ${knownNodes} nodes`;
    }
    const unseen = livePorts.filter(
      (live) => !topology.nodes.some((node) => node.port === live && !node.failed && node.connected),
    );
    if (unseen.length > 0) {
      return `${port} sees ${unseen.join(', ')} as failed or disconnected`;
    }
    const migrating = topology.nodes.find((node) => node.openSlots.length > 0);
    if (migrating) {
      return `${migrating.port} still migrates or imports slots ${migrating.openSlots.join(', ')}`;
    }
  }
  const configs = new Set(views.map((view) => configOf(view.topology, livePorts)));
  if (configs.size > 1) {
    return `the nodes disagree about slots or roles:\n${[...configs].join('\n')}`;
  }
  for (const { port, topology } of views) {
    const self = topology.nodes.find((node) => node.port === port);
    if (self?.role === 'replica') {
      const link = field(
        String(await redisCommand(port, ['INFO', 'replication']).catch(() => '')),
        'master_link_status',
      );
      if (link !== 'up') {
        return `replica ${port} has master_link_status:${link}`;
      }
    }
  }
  return undefined;
}

/** Polls `reason` every 100 ms until it gives `undefined`; after `within` ms, throws with the last reason. */
export async function waitUntil(
  what: string,
  reason: () => Promise<string | undefined>,
  within = 30_000,
): Promise<void> {
  const deadline = Date.now() + within;
  for (;;) {
    const last = await reason();
    if (last === undefined) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${within} ms; last seen: ${last}`);
    }
    await sleep(100);
  }
}

async function viewOf(port: number): Promise<NodeView> {
  const [info, nodes] = await Promise.all([
    redisCommand(port, ['CLUSTER', 'INFO']),
    redisCommand(port, ['CLUSTER', 'NODES']),
  ]);
  return { port, info: String(info), topology: parseClusterNodes(String(nodes)) };
}

/** A `name:value` line of an INFO-style answer. */
function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}
