/** Slots `first` to `last`, both included. */
export type SlotRange = readonly [first: number, last: number];

/** One node of a Redis Cluster as a live node sees it (one line of `CLUSTER NODES`). */
export interface ClusterNode {
  port: number;
  id: string;
  role: 'master' | 'replica';
  /** The ID of the master a replica follows. */
  masterId?: string;
  /** The slots a master serves (none for replicas and for masters that lost theirs). */
  slots: SlotRange[];
  /** Flagged `fail` or `fail?`: the cluster thinks (or suspects) it is down. */
  failed: boolean;
  /** Whether the node that answered had an open bus link to it. */
  connected: boolean;
  /** Slots this node is migrating away or importing right now (`[slot->-id]`, `[slot-<-id]`). */
  openSlots: number[];
}

/** A cluster as one live node sees it. */
export interface ClusterTopology {
  /** Every node, sorted by port, failed ones too. */
  nodes: ClusterNode[];
  /** The masters that serve slots and are not failed, sorted by port. */
  masters: ClusterNode[];
  /** The replicas that are not failed, sorted by port. */
  replicas: ClusterNode[];
}

/** The number of hash slots of every Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

/** Parses the answer of `CLUSTER NODES`. */
export function parseClusterNodes(text: string): ClusterTopology {
  const nodes = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map(parseLine)
    .sort((a, b) => a.port - b.port);
  const live = nodes.filter((node) => !node.failed);
  return {
    nodes,
    masters: live.filter((node) => node.role === 'master' && node.slots.length > 0),
    replicas: live.filter((node) => node.role === 'replica'),
  };
}

/** The master serving `slot`, if any. */
export function ownerOf(topology: ClusterTopology, slot: number): ClusterNode | undefined {
  return topology.nodes.find(
    (node) => node.role === 'master' && node.slots.some(([first, last]) => first <= slot && slot <= last),
  );
}

/** Every slot of `ranges`, one by one. */
export function slotsIn(ranges: readonly SlotRange[]): number[] {
  return ranges.flatMap(([first, last]) => Array.from({ length: last - first + 1 }, (_, i) => first + i));
}

/**
 * Which node serves which slots, and which of the nodes on `ports` replicates which master, as text:
 * two nodes that agree on the cluster's configuration give the same text.
 */
export function configOf(topology: ClusterTopology, ports: readonly number[]): string {
  const slotMap = topology.nodes
    .filter((node) => node.slots.length > 0)
    .map((node) => `${node.id} serves ${node.slots.map(([first, last]) => `${first}-${last}`).join(',')}`);
  const roles = topology.nodes
    .filter((node) => ports.includes(node.port))
    .map((node) => `${node.port} is ${node.role === 'master' ? 'a master' : `a replica of ${node.masterId}`}`);
  return [...slotMap, ...roles].sort().join('; ');
}

function parseLine(line: string): ClusterNode {
  // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
  const [id, address, flagList, masterId, , , , linkState, ...slotFields] = line.split(' ');
  const flags = flagList.split(',');
  const port = Number(address.split('@')[0].split(':').pop());
  const slots: SlotRange[] = [];
  const openSlots: number[] = [];
  for (const field of slotFields) {
    if (field.startsWith('[')) {
      openSlots.push(Number(field.slice(1).split('-')[0]));
    } else {
      const [first, last = first] = field.split('-').map(Number);
      slots.push([first, last]);
    }
  }
  return {
    port,
    id,
    role: flags.includes('slave') ? 'replica' : 'master',
    masterId: masterId === '-' ? undefined : masterId,
    slots,
    failed: flags.includes('fail') || flags.includes('fail?'),
    connected: linkState === 'connected',
    openSlots,
  };
}
