import { Redis } from 'ioredis';
import type { RedisTarget, VariantName } from './protocol';
import { RedisProbe } from './redis-probe';
import { startThrowawayRedisCluster, type ThrowawayRedis } from './throwaway-redis';
import { BACKEND } from './variant-catalog';

/** The standalone Redis: `REDIS_URL`, or the local default. */
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** Start of every key the bench writes; on the standalone server, which others may share, these are deleted before and after. */
const KEY_PREFIX = 'nest_sessions_bench:';
const CLUSTER_MASTERS = 3;

/** The Redis servers of a run: the standalone one, and a cluster the bench starts when a variant needs it. */
export interface RedisBackends {
  /** Where each Redis variant keeps its sessions. */
  targets: Map<VariantName, RedisTarget>;
  /** What reads each Redis variant's servers. */
  probes: Map<VariantName, RedisProbe>;
  /** For the report. */
  description: string;
  /** Stops the cluster, deletes the bench's keys on the standalone server. */
  close(): Promise<void>;
}

/** Deletes the keys under `prefix` on the standalone server at `url`. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    for await (const keys of client.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) {
        await client.unlink(...keys);
      }
    }
  } finally {
    client.disconnect();
  }
}

export async function openRedisBackends(
  variants: readonly VariantName[],
  log: (line: string) => void,
): Promise<RedisBackends> {
  const onStandalone = variants.filter((variant) => BACKEND[variant] === 'redis');
  const onCluster = variants.filter((variant) => BACKEND[variant] === 'redis-cluster');
  const targets = new Map<VariantName, RedisTarget>();
  const probes = new Map<VariantName, RedisProbe>();
  const parts: string[] = [];
  let cluster: ThrowawayRedis | undefined;
  const close = async () => {
    new Set(probes.values()).forEach((probe) => probe.close());
    await cluster?.stop();
    if (onStandalone.length > 0) {
      await deleteKeys(REDIS_URL, KEY_PREFIX);
    }
  };
  try {
    if (onStandalone.length > 0) {
      await deleteKeys(REDIS_URL, KEY_PREFIX);
      const probe = await RedisProbe.open([REDIS_URL]);
      onStandalone.forEach((variant) => {
        targets.set(variant, { url: REDIS_URL, prefix: `${KEY_PREFIX}${variant}:` });
        probes.set(variant, probe);
      });
      parts.push(
        `standalone Redis ${await probe.version()} at ${REDIS_URL.replace(/\/\/[^@]*@/, '//')} (${await probe.persistence()})`,
      );
    }
    if (onCluster.length > 0) {
      log(`Starting a Redis Cluster: ${CLUSTER_MASTERS} masters + ${CLUSTER_MASTERS} replicas`);
      cluster = await startThrowawayRedisCluster(CLUSTER_MASTERS);
      const probe = await RedisProbe.open(cluster.nodes);
      const clusterNodes = cluster.nodes.map((node) => `${node.host}:${node.port}`);
      onCluster.forEach((variant) => {
        targets.set(variant, { clusterNodes, prefix: `${KEY_PREFIX}${variant}:` });
        probes.set(variant, probe);
      });
      parts.push(
        `a Redis ${await probe.version()} Cluster of ${CLUSTER_MASTERS} masters + ${CLUSTER_MASTERS} replicas ` +
          'started by the bench (one redis-server process each, no persistence)',
      );
    }
    return { targets, probes, description: parts.join('; '), close };
  } catch (error) {
    await close();
    throw error;
  }
}
