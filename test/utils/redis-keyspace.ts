import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { toClusterNode } from '../../src/redis/redis-connection';
import { e2eClusterNodes, e2eRedisUrl, e2eStore } from './e2e-store';

/** A client of the e2e run's Redis (standalone or cluster), connected; the caller quits it. */
export async function connectE2eRedis(): Promise<Redis | Cluster> {
  const client =
    e2eStore() === 'cluster'
      ? new Cluster(e2eClusterNodes().map(toClusterNode), { scaleReads: 'master' })
      : new Redis(e2eRedisUrl());
  try {
    // On a cluster this also waits for the slot map, which `nodes('master')` reads.
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return client;
}

/** Every key that starts with `prefix`, from every primary of a cluster. */
export async function keysUnder(client: Redis | Cluster, prefix: string): Promise<string[]> {
  if (client instanceof Cluster) {
    // Also waits for the slot map, which nodes('master') reads: an unready client has no nodes.
    await client.ping();
  }
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const perNode = await Promise.all(nodes.map((node) => scanAll(node, `${escapeGlob(prefix)}*`)));
  return [...new Set(perNode.flat())];
}

/** Deletes every key that starts with `prefix`, one by one (on a cluster they lie in many slots); gives how many. */
export async function deleteKeysUnder(client: Redis | Cluster, prefix: string): Promise<number> {
  const keys = await keysUnder(client, prefix);
  const removed = await Promise.all(keys.map((key) => client.unlink(key)));
  return removed.reduce((sum, count) => sum + count, 0);
}

/**
 * A key prefix no other test (nor another run of this one) uses, e.g. `sess:test-outage-3f9a1c2e:`,
 * so a test file on a shared Redis can delete exactly what it wrote.
 */
export function uniqueRedisPrefix(label: string): string {
  return `sess:test-${label}-${randomBytes(4).toString('hex')}:`;
}

async function scanAll(node: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of node.scanStream({ match, count: 1000 })) {
    keys.push(...(batch as string[]));
  }
  return keys;
}

/** `prefix` as a literal in a SCAN pattern. */
function escapeGlob(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, '\\$&');
}
