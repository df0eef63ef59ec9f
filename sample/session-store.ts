import type { DynamicModule, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MemorySessionStore, type SessionStore } from '../src';
import { RedisSessionStore } from '../src/redis';
import { SESSION_MIGRATIONS, SessionEntity, TypeOrmSessionStore } from '../src/typeorm';
import type { SampleConfig } from './sample-config';

/** The session store the configuration names, and the modules it needs. */
export interface SampleStore {
  imports: DynamicModule[];
  store: SessionStore | Type<SessionStore>;
}

export function sampleStoreOf(config: SampleConfig): SampleStore {
  switch (config.store) {
    case 'redis':
      return { imports: [], store: redisStoreOf(config) };
    case 'memory':
      return { imports: [], store: new MemorySessionStore() };
    default:
      // The store class is built by Nest on the DataSource that TypeOrmModule registers.
      return { imports: [postgresModuleOf(config)], store: TypeOrmSessionStore };
  }
}

/** A Redis Cluster when seeds are given, else the standalone server; the store closes its connection on shutdown. */
function redisStoreOf(config: SampleConfig): RedisSessionStore {
  const connection = config.redisClusterNodes ? { clusterNodes: config.redisClusterNodes } : { url: config.redisUrl };
  return new RedisSessionStore({
    ...connection,
    prefix: config.redisPrefix,
    waitForReplicas: config.redisWaitForReplicas,
  });
}

function postgresModuleOf(config: SampleConfig): DynamicModule {
  return TypeOrmModule.forRoot({
    type: 'postgres',
    url: config.databaseUrl,
    entities: [SessionEntity],
    migrations: SESSION_MIGRATIONS,
    migrationsRun: true,
    // TCP keepalive finds a connection whose peer vanished (a silent network) in seconds, not hours.
    extra: {
      max: config.poolSize ?? 10,
      connectionTimeoutMillis: 2000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
    },
    retryAttempts: 3,
    retryDelay: 500,
  });
}
