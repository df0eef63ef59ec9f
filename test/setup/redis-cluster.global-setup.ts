import { ThrowawayRedisCluster } from '../utils/throwaway-redis-cluster';

/** The cluster of this run, for the teardown (global setup and teardown share this process). */
export const CLUSTER_OF_RUN = Symbol.for('nest-sessions:e2e-redis-cluster');

/**
 * globalSetup of the e2e-cluster project (Jest runs it only when a file of that project runs):
 * one six-node cluster for all its files, each of which keeps to a key prefix of its own. The
 * workers Jest starts next inherit E2E_REDIS_CLUSTER_NODES.
 */
export default async function startRedisCluster(): Promise<void> {
  const cluster = await ThrowawayRedisCluster.create();
  (globalThis as Record<symbol, unknown>)[CLUSTER_OF_RUN] = cluster;
  process.env.E2E_REDIS_CLUSTER_NODES = cluster.seedList();
}
