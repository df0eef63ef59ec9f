import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SampleConfig } from '../../sample/sample-config';

/** The store the e2e suite runs on: `E2E_SESSION_STORE` (`postgres`, `redis` or `cluster`), PostgreSQL by default. */
export type E2eStore = 'postgres' | 'redis' | 'cluster';

export function e2eStore(): E2eStore {
  const store = process.env.E2E_SESSION_STORE || 'postgres';
  if (store !== 'postgres' && store !== 'redis' && store !== 'cluster') {
    throw new Error(`E2E_SESSION_STORE must be postgres, redis or cluster; got "${store}"`);
  }
  return store;
}

/** The standalone Redis of the e2e run. */
export const e2eRedisUrl = (): string => process.env.E2E_REDIS_URL || 'redis://127.0.0.1:6379';

/** The seeds of the e2e run's Redis Cluster (started by the cluster project's global setup). */
export function e2eClusterNodes(): string[] {
  const seeds = process.env.E2E_REDIS_CLUSTER_NODES;
  if (!seeds) {
    throw new Error('E2E_SESSION_STORE=cluster needs E2E_REDIS_CLUSTER_NODES (the cluster project starts one)');
  }
  return seeds.split(',');
}

/**
 * This test file's key prefix: every app it starts shares it (instances of one app share their
 * sessions), and no other file's keys start with it.
 */
export const e2eRedisPrefix = `sess:e2e-${path.basename(expect.getState().testPath ?? 'file', '.e2e-spec.ts')}-${randomBytes(3).toString('hex')}:`;

/** The sample's store settings for the e2e run's store. */
export function e2eSampleStore(): Pick<SampleConfig, 'store' | 'redisUrl' | 'redisClusterNodes' | 'redisPrefix'> {
  const store = e2eStore();
  if (store === 'postgres') {
    return { store: 'postgres', redisUrl: e2eRedisUrl() };
  }
  return {
    store: 'redis',
    redisUrl: e2eRedisUrl(),
    redisClusterNodes: store === 'cluster' ? e2eClusterNodes() : undefined,
    redisPrefix: e2eRedisPrefix,
  };
}
