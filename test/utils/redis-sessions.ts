import { Cluster, type Redis } from 'ioredis';
import { subscriberName } from '../../src/redis/redis-subscriber-connector';
import { deleteKeysUnder, keysUnder } from './redis-keyspace';
import { hashSessionId, sessionIdOf } from './session-cookie';
import type { SessionRow, StoredSessions } from './stored-sessions';

/**
 * Moves a session's activity back by ARGV[1] ms and lets Redis expire it at the new idle expiry,
 * in one step (the app may write the hash meanwhile).
 */
const BACKDATE = `
local e = redis.call('HGET', KEYS[1], 'e')
if not e then return 0 end
local a = redis.call('HGET', KEYS[1], 'a')
e = tonumber(e) - tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'a', tonumber(a) - tonumber(ARGV[1]), 'e', e)
-- The store keeps an expired session a minute (keepExpiredFor's default) before Redis deletes it.
redis.call('PEXPIREAT', KEYS[1], e + 60000)
return redis.call('HINCRBY', KEYS[1], 'v', 1)`;

/**
 * Sets the data key ARGV[1] (JSON-encoded) to ARGV[2] (JSON), keeping the data size (`z`) right,
 * and counts a write (`v`), as the store's patch does; no announcement on the change channel.
 */
const SET_KEY = `
if not redis.call('HGET', KEYS[1], 'id') then return 0 end
local old = redis.call('HGET', KEYS[1], ARGV[1])
local z = tonumber(redis.call('HGET', KEYS[1], 'z') or '0')
if old then z = z - #ARGV[1] - #old - 2 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'z', z + #ARGV[1] + #ARGV[2] + 2)
redis.call('HINCRBY', KEYS[1], 'v', 1)
return 1`;

/** KEYS: session. ARGV: lifetime, the new expiry (both expiries). A new version, and no announcement. */
const SET_LIFETIME = `
if not redis.call('HGET', KEYS[1], 'id') then return 0 end
redis.call('HSET', KEYS[1], 'l', ARGV[1], 'e', ARGV[2], 'x', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'v', 1)
return 1`;

/**
 * The sessions the Redis store keeps under a test file's prefix, read from its keys as
 * `src/redis/redis-keys.ts` lays them out: `<prefix>{<handle>}` (a hash: the record under short
 * field names, each data key under its JSON-encoded name holding its JSON value) and
 * `<prefix>id:<id hash>` (the handle). Written here by hand, so a change of layout shows.
 */
export class RedisSessions implements StoredSessions {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  async rowOf(cookie: string, tenant = ''): Promise<SessionRow | undefined> {
    const idHash = hashSessionId(sessionIdOf(cookie), tenant);
    const handle = await this.client.get(`${this.prefix}id:${idHash}`);
    const row = handle === null ? undefined : await this.rowByHandle(handle);
    // A pointer also finds a session under the ID it had before a renewal: that is not its ID.
    return row?.idHash === idHash ? row : undefined;
  }

  async rowByHandle(handle: string): Promise<SessionRow | undefined> {
    return toSessionRow(handle, await this.client.hgetall(this.sessionKey(handle)));
  }

  async rowsWithKey(key: string): Promise<SessionRow[]> {
    const rows = await Promise.all((await this.handles()).map((handle) => this.rowByHandle(handle)));
    return rows.filter((row): row is SessionRow => row !== undefined && key in row.data);
  }

  /** Deletes every key under the prefix: sessions, ID pointers and users' indexes. */
  async clear(): Promise<void> {
    await deleteKeysUnder(this.client, this.prefix);
  }

  async holdWrites(ms: number): Promise<() => Promise<void>> {
    const primaries = this.primaries();
    await Promise.all(primaries.map((node) => node.call('CLIENT', 'PAUSE', String(ms), 'WRITE')));
    return async () => {
      await Promise.all(primaries.map((node) => node.call('CLIENT', 'UNPAUSE')));
    };
  }

  async count(): Promise<number> {
    return (await this.handles()).length;
  }

  /** Every key under the prefix with its value (every field and value of a hash, every member of a set). */
  async rowsAsText(): Promise<string[]> {
    const keys = await keysUnder(this.client, this.prefix);
    return Promise.all(keys.map(async (key) => `${key} ${JSON.stringify(await this.valueOf(key))}`));
  }

  async backdateActivity(cookie: string, ms: number, tenant = ''): Promise<void> {
    const row = await this.rowOf(cookie, tenant);
    if (row) {
      // As another instance's write would: a new version, announced, so session caches drop their copy.
      const version = await this.client.eval(BACKDATE, 1, this.sessionKey(row.handle), ms);
      const channel = `${this.prefix}changes`;
      const message = `${row.handle} ${String(version)}`;
      await (this.client instanceof Cluster
        ? this.client.spublish(channel, message)
        : this.client.publish(channel, message));
    }
  }

  async setKeyQuietly(cookie: string, key: string, value: unknown): Promise<void> {
    const row = await this.rowOf(cookie);
    if (row) {
      await this.client.eval(SET_KEY, 1, this.sessionKey(row.handle), JSON.stringify(key), JSON.stringify(value));
    }
  }

  async setLifetimeQuietly(cookie: string, ms: number): Promise<void> {
    const row = await this.rowOf(cookie);
    if (row) {
      const until = Date.now() + ms;
      const key = this.sessionKey(row.handle);
      await this.client.eval(SET_LIFETIME, 1, key, String(ms), String(until));
    }
  }

  /** Kills the connections the store's instances listen on for this prefix's changes (named after its channel). */
  async terminateListeners(): Promise<void> {
    const name = subscriberName(`${this.prefix}changes`);
    for (const node of this.primaries()) {
      const clients = String(await node.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n');
      const ids = clients.filter((line) => line.includes(` name=${name} `)).map((line) => /\bid=(\d+)/.exec(line)?.[1]);
      for (const id of ids) {
        await node.call('CLIENT', 'KILL', 'ID', id as string).catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    await this.client.quit();
  }

  private primaries(): Redis[] {
    return this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
  }

  private sessionKey(handle: string): string {
    return `${this.prefix}{${handle}}`;
  }

  /** The handles of the sessions under the prefix (Redis no longer lists an expired one). */
  private async handles(): Promise<string[]> {
    const start = `${this.prefix}{`;
    return (await keysUnder(this.client, start))
      .filter((key) => key.endsWith('}'))
      .map((key) => key.slice(start.length, -1));
  }

  private async valueOf(key: string): Promise<unknown> {
    switch (await this.client.type(key)) {
      case 'string':
        return this.client.get(key);
      case 'hash':
        return this.client.hgetall(key);
      case 'zset':
        return this.client.zrange(key, 0, -1, 'WITHSCORES');
      case 'set':
        return this.client.smembers(key);
      case 'list':
        return this.client.lrange(key, 0, -1);
      default:
        return null;
    }
  }
}

/** A session's hash as a row; undefined for none (an empty hash: the key does not exist). */
function toSessionRow(handle: string, hash: Record<string, string>): SessionRow | undefined {
  if (hash.id === undefined) {
    return undefined;
  }
  const data: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(hash)) {
    if (name.startsWith('"')) {
      data[JSON.parse(name) as string] = JSON.parse(value);
    }
  }
  const optional = (value: string | undefined) => value ?? null;
  return {
    idHash: hash.id,
    handle,
    tenant: hash.t ?? '',
    data,
    userId: optional(hash.u),
    ip: optional(hash.ip),
    userAgent: optional(hash.ua),
    lifetimeMs: hash.l === undefined ? null : Number(hash.l),
    createdAt: Number(hash.c),
    lastActiveAt: Number(hash.a),
    expiresAt: Number(hash.e),
    absoluteExpiresAt: Number(hash.x),
    idIssuedAt: Number(hash.i),
  };
}
