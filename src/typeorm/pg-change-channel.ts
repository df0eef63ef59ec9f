import type { DataSource } from 'typeorm';
import type { SessionChangeListener, SessionChangeSubscription } from '../store/session-changes.interface';
import { quote } from './session-table';

/** The part of a node-postgres `Client` the channel uses. */
interface ListenClient {
  connect(): Promise<void>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: () => void): unknown;
  /** node-postgres's socket: destroyed at once when the server went silent (`end()` would wait on it). */
  connection?: { stream?: { destroy(): void } };
}

/** The name the listening connection shows in `pg_stat_activity`. */
export const CHANGES_APPLICATION_NAME = 'nest-sessions-changes';

/** How often the listening connection is checked; an answer later than this counts as a lost connection. */
const HEARTBEAT = 1000;
/** Waits before connecting again: doubled after each failure, up to the last. */
const RECONNECT_DELAYS = [100, 200, 500, 1000, 2000, 5000];

/**
 * `LISTEN` on a connection of its own (not the pool's, which would lose it to a query), checked
 * every second: a connection that errs, ends or goes silent is reported `interrupted` at once, so
 * the cache stops serving, then opened again until it listens.
 */
export class PgChangeChannel implements SessionChangeSubscription {
  private client: ListenClient | null = null;
  private heartbeat?: NodeJS.Timeout;
  private reconnect?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;

  private constructor(
    private readonly createClient: () => ListenClient,
    private readonly channel: string,
    private readonly listener: SessionChangeListener,
  ) {}

  /** Starts listening to `channel` on a connection made with the `DataSource`'s settings. */
  static open(dataSource: DataSource, channel: string, listener: SessionChangeListener): PgChangeChannel {
    const driver = dataSource.driver as unknown as {
      postgres: { Client: new (config: object) => ListenClient };
      master?: { options?: object };
    };
    const config = { ...driver.master?.options, application_name: CHANGES_APPLICATION_NAME };
    const opened = new PgChangeChannel(() => new driver.postgres.Client(config), channel, listener);
    void opened.connect();
    return opened;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    const client = this.client;
    this.drop();
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = this.createClient();
    client.on('notification', (message) => this.deliver(message.payload));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    this.client = client;
    try {
      await bounded(client.connect());
      await bounded(client.query(`LISTEN ${quote(this.channel)}`));
    } catch {
      this.lost(client);
      return;
    }
    if (this.closed || this.client !== client) {
      return;
    }
    this.failures = 0;
    this.heartbeat = setInterval(() => void this.beat(client), HEARTBEAT);
    this.heartbeat.unref();
    this.listener.listening();
  }

  private async beat(client: ListenClient): Promise<void> {
    try {
      await bounded(client.query('SELECT 1'));
    } catch {
      this.lost(client);
    }
  }

  /** The connection failed: changes may be missed from now on, so say so, then connect again. */
  private lost(client: ListenClient): void {
    if (this.client !== client) {
      return;
    }
    this.drop();
    client.connection?.stream?.destroy();
    void client.end().catch(() => undefined);
    if (!this.closed) {
      const delay = RECONNECT_DELAYS[Math.min(this.failures++, RECONNECT_DELAYS.length - 1)];
      this.reconnect = setTimeout(() => void this.connect(), delay);
      this.reconnect.unref();
    }
  }

  private drop(): void {
    clearInterval(this.heartbeat);
    if (this.client !== null) {
      this.client = null;
      this.listener.interrupted();
    }
  }

  private deliver(payload = ''): void {
    const [handle, version] = payload.split(' ');
    if (handle) {
      this.listener.changed(handle, version === undefined ? null : Number(version));
    }
  }
}

/** `work`, failing if it takes longer than a heartbeat. */
function bounded<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('The change channel did not answer in time')), HEARTBEAT);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
