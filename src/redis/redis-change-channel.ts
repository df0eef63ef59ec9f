import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { SessionChangeListener, SessionChangeSubscription } from '../store/session-changes.interface';
import { formatChange } from './redis-change-message';
import { RedisChangeSubscription, type ChangeChannelTiming } from './redis-change-subscription';
import { RedisSubscriberConnector } from './redis-subscriber-connector';

/**
 * A store's change channel, `<prefix>changes`: every instance on the same prefix publishes its
 * changes there once it listens itself (so an app without the session cache sends nothing), and
 * hears everyone's. Plain pub/sub on a standalone server; sharded pub/sub (`SPUBLISH`) on a
 * cluster, so a message goes to one shard instead of every node.
 */
export class RedisChangeChannel {
  private readonly logger = new Logger('RedisSessionStore');
  private readonly subscriptions = new Set<RedisChangeSubscription>();
  private publishing = false;
  private readonly connector: RedisSubscriberConnector;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly name: string,
    private readonly timing: ChangeChannelTiming,
  ) {
    // On a cluster `SPUBLISH` names a key, so the client's key prefix goes first; `PUBLISH` does not.
    const serverName = client.isCluster ? `${(client as Cluster).options.keyPrefix ?? ''}${name}` : name;
    this.connector = new RedisSubscriberConnector(client, serverName, timing.heartbeatTimeout);
  }

  /** Starts publishing this instance's changes, and delivering every instance's to `listener`. */
  subscribe(listener: SessionChangeListener): SessionChangeSubscription {
    this.publishing = true;
    const subscription: RedisChangeSubscription = new RedisChangeSubscription(
      this.connector,
      listener,
      this.timing,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  /**
   * Tells every listening instance that the session changed (`version`) or is gone (null). Sent
   * after the write, so a failure here cannot undo it: it is logged, and the cache's `ttl` bounds
   * how long another instance may serve its older copy.
   */
  async announce(handle: string, version: number | null): Promise<void> {
    if (!this.publishing) {
      return;
    }
    const message = formatChange(handle, version);
    try {
      if (this.client.isCluster) {
        await this.client.spublish(this.name, message);
      } else {
        await this.client.publish(this.name, message);
      }
    } catch (error) {
      this.logger.warn(
        `A session change could not be announced to the other instances (${error instanceof Error ? error.message : String(error)}); their caches may serve the older version until its ttl`,
      );
    }
  }

  /** Ends every subscription. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
  }
}
