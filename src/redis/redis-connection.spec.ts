import { Cluster, Redis } from 'ioredis';
import { SessionConfigurationError } from '../core/session.errors';
import { connectRedis } from './redis-connection';

describe('connectRedis', () => {
  it('takes exactly one of client, url and clusterNodes', () => {
    expect(() => connectRedis({})).toThrow(SessionConfigurationError);
    expect(() => connectRedis({ url: 'redis://127.0.0.1:1', clusterNodes: ['127.0.0.1:2'] })).toThrow(
      /exactly one of `client`/,
    );
  });

  it('uses the app’s client as it is, and does not own it', () => {
    const client = new Redis({ lazyConnect: true });
    expect(connectRedis({ client })).toEqual({ client, owned: false });
  });

  it('opens a cluster from host:port seeds, IPv6 in brackets included, with the session settings', () => {
    const { client, owned } = connectRedis({
      clusterNodes: ['127.0.0.1:7000', '[::1]:7001'],
      clusterOptions: { lazyConnect: true },
    });
    expect(owned).toBe(true);
    expect(client).toBeInstanceOf(Cluster);
    const cluster = client as Cluster;
    expect((cluster as unknown as { startupNodes: unknown }).startupNodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
    ]);
    expect(cluster.options).toMatchObject({ scaleReads: 'master', enableAutoPipelining: false });
    cluster.disconnect();
  });

  it('names a malformed seed', () => {
    expect(() => connectRedis({ clusterNodes: ['127.0.0.1'] })).toThrow(
      'A Redis Cluster node is "host:port"; got "127.0.0.1".',
    );
  });

  it('opens a standalone connection from a URL with the session settings, the app’s options winning', () => {
    const { client, owned } = connectRedis({
      url: 'redis://127.0.0.1:6390',
      redisOptions: { lazyConnect: true, connectTimeout: 900 },
    });
    expect(owned).toBe(true);
    expect((client as Redis).options).toMatchObject({
      port: 6390,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 900,
    });
    client.disconnect();
  });
});
