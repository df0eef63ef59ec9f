import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { SessionChangeListener, SessionChangeSubscription } from '../store/session-changes.interface';
import { parseChange } from './redis-change-message';
import { disconnect, type RedisSubscriberConnector } from './redis-subscriber-connector';

/** How the change channel's connection is watched and reopened, in milliseconds. */
export interface ChangeChannelTiming {
  /** Between two PINGs on the subscriber connection. */
  heartbeatInterval: number;
  /** How long a PING (or the SUBSCRIBE) may go unanswered before the channel counts as interrupted. */
  heartbeatTimeout: number;
  /** How long opening the connection and subscribing may take in all. */
  subscribeTimeout: number;
  /** The wait before the first new attempt after a failure; it doubles with each failure in a row... */
  firstRetryDelay: number;
  /** ...up to this. */
  maxRetryDelay: number;
}

/**
 * One listener's subscription to a store's change channel, on a connection of its own: `SUBSCRIBE`
 * on a standalone server, `SSUBSCRIBE` (sharded pub/sub) on the primary that owns the channel's slot
 * on a cluster. A PING every `heartbeatInterval` proves the subscription still stands; a PING
 * unanswered, an error, a closed connection or a subscription the server dropped (a resharding) ends
 * the connection, tells the listener `interrupted()`, and a new one is opened after a backoff.
 */
export class RedisChangeSubscription implements SessionChangeSubscription {
  private readonly logger = new Logger('RedisSessionStore');
  private connection: Redis | null = null;
  /** The one pending timer: the deadline of an attempt, the next PING, or the next attempt. */
  private timer: NodeJS.Timeout | null = null;
  /** Numbers the attempts: what an older one finishes is ignored. */
  private attempt = 0;
  private failures = 0;
  private listening = false;
  private closed = false;

  constructor(
    private readonly connector: RedisSubscriberConnector,
    private readonly listener: SessionChangeListener,
    private readonly timing: ChangeChannelTiming,
    private readonly onClose: () => void,
  ) {}

  /** Opens the connection and subscribes; returns at once. */
  start(): void {
    void this.subscribe();
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.clearTimer();
    const connection = this.connection;
    this.connection = null;
    this.onClose();
    if (connection) {
      await disconnect(connection);
    }
  }

  private async subscribe(): Promise<void> {
    const attempt = ++this.attempt;
    this.setTimer(() => this.fail(attempt), this.timing.subscribeTimeout);
    try {
      const connection = await this.connector.open(this.failures > 0);
      if (!this.isCurrent(attempt)) {
        void disconnect(connection);
        return;
      }
      this.connection = connection;
      connection.on('error', () => this.fail(attempt));
      connection.on('end', () => this.fail(attempt));
      // Recent ioredis reports an SSUBSCRIBE answered with MOVED this way, and leaves the command unanswered.
      connection.on('moved', () => this.fail(attempt));
      connection.on(this.connector.messageEvent, (_channel: string, message: string) => this.deliver(attempt, message));
      await this.connector.subscribe(connection);
      if (!this.isCurrent(attempt)) {
        return;
      }
      this.failures = 0;
      this.listening = true;
      this.beat(attempt, connection);
      this.notify(() => this.listener.listening());
    } catch {
      this.fail(attempt);
    }
  }

  /** The next PING; a subscribed connection answers `['pong', '']`, one the server unsubscribed `PONG`. */
  private beat(attempt: number, connection: Redis): void {
    this.setTimer(() => {
      connection.ping().then(
        (reply: unknown) => {
          if (!this.isCurrent(attempt)) {
            return;
          }
          if (Array.isArray(reply) && String(reply[0]).toLowerCase() === 'pong') {
            this.beat(attempt, connection);
          } else {
            this.fail(attempt);
          }
        },
        () => this.fail(attempt),
      );
    }, this.timing.heartbeatInterval);
  }

  /** Ends the attempt (or the subscription it made), says so once, and tries again after a backoff. */
  private fail(attempt: number): void {
    if (!this.isCurrent(attempt)) {
      return;
    }
    this.attempt++;
    this.clearTimer();
    if (this.connection) {
      void disconnect(this.connection);
      this.connection = null;
    }
    if (this.listening) {
      this.listening = false;
      this.notify(() => this.listener.interrupted());
    }
    const delay = Math.min(this.timing.firstRetryDelay * 2 ** this.failures, this.timing.maxRetryDelay);
    this.failures++;
    this.setTimer(() => void this.subscribe(), delay);
  }

  /** Passes a message on, unless it comes from a connection given up or after close(). */
  private deliver(attempt: number, message: string): void {
    const change = parseChange(message);
    if (change && this.isCurrent(attempt)) {
      this.notify(() => this.listener.changed(change.handle, change.version));
    }
  }

  /** Calls the listener; what it throws is logged, and the subscription goes on. */
  private notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error('A session change listener threw', error instanceof Error ? error.stack : String(error));
    }
  }

  private isCurrent(attempt: number): boolean {
    return !this.closed && attempt === this.attempt;
  }

  private setTimer(run: () => void, ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(run, ms);
    // A subscription left open does not keep the process alive on its own (its connection might).
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
