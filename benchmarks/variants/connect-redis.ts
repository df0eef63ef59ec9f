import type { INestApplication } from '@nestjs/common';
import { RedisStore } from 'connect-redis';
import { createClient, createCluster } from 'redis';
import type { AppConfig } from '../protocol';
import { createPeerApp } from './peer-session.controller';

/**
 * The peer on Redis, as connect-redis's README sets it up: a node-redis client (`createClient`, or
 * `createCluster` on the cluster, which connect-redis 9 supports), `new RedisStore({ client, prefix })`
 * with its defaults otherwise (TTL from the cookie or a day, touch on every unmodified request).
 */
export async function createConnectRedisApp(config: AppConfig): Promise<INestApplication> {
  const target = config.redis;
  if (!target) {
    throw new Error(`${config.variant} needs a Redis target`);
  }
  const client = target.clusterNodes
    ? createCluster({ rootNodes: target.clusterNodes.map((node) => ({ url: `redis://${node}` })) })
    : createClient({ url: target.url });
  client.on('error', (error: unknown) => console.error(`${config.variant}: Redis client error`, error));
  await client.connect();
  // The client lives as long as the app's process, which exits when the bench stops it.
  return createPeerApp(new RedisStore({ client, prefix: target.prefix }));
}
