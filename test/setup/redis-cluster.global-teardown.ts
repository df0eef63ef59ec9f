import type { ThrowawayRedisCluster } from '../utils/throwaway-redis-cluster';
import { CLUSTER_OF_RUN } from './redis-cluster.global-setup';

/** globalTeardown of the e2e-cluster project: stops the cluster its global setup started. */
export default async function stopRedisCluster(): Promise<void> {
  const cluster = (globalThis as Record<symbol, unknown>)[CLUSTER_OF_RUN] as ThrowawayRedisCluster | undefined;
  delete (globalThis as Record<symbol, unknown>)[CLUSTER_OF_RUN];
  // The nodes are unref'd children and the workers are gone: without a handle of its own, Node
  // would exit while destroy() waits for the nodes' exits, leaving them unreaped.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await cluster?.destroy();
  } finally {
    clearInterval(keepAlive);
  }
}
