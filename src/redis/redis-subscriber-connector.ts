import type { Cluster, Redis, RedisOptions } from 'ioredis';

/**
 * Opens the connections a change subscription listens on: a connection of the store's own,
 * whatever client it was given, to the standalone server, or on a cluster to the primary that owns
 * the channel's slot (found anew for every connection, so after a failover or a resharding the
 * next one goes to the new owner), subscribed with `SUBSCRIBE` or, on a cluster, `SSUBSCRIBE`.
 */
export class RedisSubscriberConnector {
  private slot: number | null = null;

  constructor(
    private readonly client: Redis | Cluster,
    /** The channel's name as the server knows it. */
    private readonly channel: string,
    /** How long any command on the connection, the subscription included, may go unanswered. */
    private readonly commandTimeout: number,
  ) {}

  /** The event that carries the channel's messages on a subscribed connection. */
  get messageEvent(): 'message' | 'smessage' {
    return this.client.isCluster ? 'smessage' : 'message';
  }

  /**
   * A new connection, not connected yet: events can be listened to before anything happens on it.
   * After a failure (`again`), a cluster's slot map is read anew first: the client may not have seen
   * the failover or the resharding that ended the last subscription.
   */
  async open(again: boolean): Promise<Redis> {
    if (!this.client.isCluster) {
      return (this.client as Redis).duplicate(this.options());
    }
    const cluster = this.client as Cluster;
    if (again) {
      await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
    }
    this.slot ??= Number(await cluster.cluster('KEYSLOT', this.channel));
    const owner = cluster.slots[this.slot]?.[0];
    const node = cluster.nodes('master').find(({ options }) => `${options.host}:${options.port}` === owner);
    if (!node) {
      throw new Error('No known primary owns the change channel’s slot yet');
    }
    return node.duplicate(this.options());
  }

  /** Connects `connection` and subscribes it to the channel. */
  async subscribe(connection: Redis): Promise<void> {
    await connection.connect();
    await (this.client.isCluster ? connection.ssubscribe(this.channel) : connection.subscribe(this.channel));
  }

  /**
   * ioredis neither reconnects nor resubscribes the connection (the subscription opens a new one),
   * no key prefix touches the channel, and no command (nor closing) waits longer than
   * `commandTimeout`. The connection is named after the channel (`CLIENT LIST`), in the characters
   * a name may hold.
   */
  private options(): RedisOptions {
    return {
      connectionName: subscriberName(this.channel),
      lazyConnect: true,
      retryStrategy: () => null,
      autoResubscribe: false,
      enableReadyCheck: false,
      enableAutoPipelining: false,
      keyPrefix: '',
      commandTimeout: this.commandTimeout,
      // A server that stopped answering never closes its end: the socket is destroyed after this.
      disconnectTimeout: this.commandTimeout,
    };
  }
}

/** The name of the connections that listen on `channel` (as the server knows it), as `CLIENT LIST` shows them. */
export function subscriberName(channel: string): string {
  return `nest-sessions-changes:${channel}`.replace(/[^!-~]/g, '_');
}

/** Closes the connection and resolves once it has ended. */
export function disconnect(connection: Redis): Promise<void> {
  // Closing an ended connection again would leave ioredis's disconnect timer behind.
  if (connection.status === 'end') {
    return Promise.resolve();
  }
  if (connection.status === 'wait') {
    connection.disconnect();
    return Promise.resolve();
  }
  const ended = new Promise<void>((resolve) => connection.once('end', () => resolve()));
  connection.disconnect();
  return ended;
}
