import net from 'node:net';
import { DelayLine } from './delay-line';

/** PostgreSQL's ReadyForQuery message header ('Z', length 5): the server waits for the client's next command. */
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);

/** A connection armed to go silent: see {@link TcpProxy.silenceAfter}. */
interface SilenceTrigger {
  pattern: RegExp;
  /** The client socket that sent the pattern, once one did. */
  client?: net.Socket;
  fired: () => void;
}

/**
 * How a cut proxy treats connections: `refuse` resets every new connection at once (like a
 * stopped server), `blackhole` accepts them and never answers (like a dropped network path).
 */
export type CutMode = 'refuse' | 'blackhole';

/**
 * A TCP proxy on 127.0.0.1 in front of the test PostgreSQL, so a test can make the database
 * unreachable for one app (`cut()`, `stall()`) and bring it back (`restore()`) without touching
 * the server or other test files.
 */
export class TcpProxy {
  private readonly server = net.createServer((client) => this.accept(client));
  /** Every open socket, client and upstream sides, forwarded or held. */
  private readonly sockets = new Set<net.Socket>();
  /** Sockets that no longer pass data: accepted while black-holed, or stalled. */
  private readonly held = new Set<net.Socket>();
  /** Sockets cut off by a partition: their close does not reach the other side either. */
  private readonly partitioned = new Set<net.Socket>();
  private readonly lines = new Set<DelayLine>();
  private mode: 'forward' | CutMode = 'forward';
  private latency = 0;
  private silence?: SilenceTrigger;
  private accepted = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts a proxy to the host and port of `databaseUrl`, listening on a free port. */
  static async start(databaseUrl: string): Promise<TcpProxy> {
    const target = new URL(databaseUrl);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** How many connections the proxy has accepted so far, whatever it did with them. */
  get connectionCount(): number {
    return this.accepted;
  }

  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Destroys every open connection, then refuses or black-holes new ones until `restore()`. */
  cut(mode: CutMode = 'refuse'): void {
    this.mode = mode;
    this.destroyAll();
  }

  /**
   * Open connections stop passing data in both directions (silently dropped, like a network
   * partition) and new ones are black-holed, until `restore()`.
   */
  stall(): void {
    this.mode = 'blackhole';
    for (const socket of this.sockets) {
      this.hold(socket);
    }
  }

  /**
   * Every chunk, in both directions and on every connection, open or new, arrives `ms` later, in
   * order; a close follows the data sent before it. Bytes already under way keep their delay after
   * `restore()`, as on a real network.
   */
  delay(ms: number): void {
    this.latency = ms;
  }

  /**
   * The next connection whose client sends a chunk matching `pattern` (read as latin1: statement
   * text, or a prepared statement's name) goes silent once the server has answered it (that
   * ReadyForQuery is dropped): from then on nothing passes either way, and neither side's close
   * reaches the other, as when the network fails in the middle of a transaction. Resolves when it
   * happened. Disarmed by `restore()`; the silent connection stays until `restore()` without
   * `keepHeld`, or `close()`.
   */
  silenceAfter(pattern: RegExp): Promise<void> {
    return new Promise((fired) => (this.silence = { pattern, fired }));
  }

  /**
   * Forwards new connections again, undelayed. Black-holed ones are dropped so their clients fail
   * now instead of hanging, unless `keepHeld`: then they stay half-open, silent, as after a
   * partition heals before either side noticed it.
   */
  restore(options: { keepHeld?: boolean } = {}): void {
    this.mode = 'forward';
    this.latency = 0;
    this.silence = undefined;
    if (options.keepHeld) {
      return;
    }
    // A connection that lost data cannot carry on: its end is what a client sees once the partition heals.
    for (const socket of this.held) {
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    this.destroyAll();
    for (const line of this.lines) {
      line.close();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    this.track(client);
    if (this.mode === 'blackhole') {
      this.hold(client);
      client.resume(); // read and discard, never answer
      return;
    }
    const upstream = this.track(net.connect(this.targetPort, this.targetHost));
    this.forward(client, upstream, 'request');
    this.forward(upstream, client, 'response');
  }

  /**
   * Copies data from one side to the other, after the current latency, while neither is held;
   * either side closing ends the other once the data before it is through, unless partitioned.
   */
  private forward(from: net.Socket, to: net.Socket, direction: 'request' | 'response'): void {
    const line = new DelayLine();
    this.lines.add(line);
    from.on('data', (chunk: Buffer) => {
      if (this.silences(chunk, direction === 'request' ? from : to, direction)) {
        this.partition(from, to);
      }
      line.push(this.latency, () => {
        if (!this.held.has(from) && !this.held.has(to)) {
          to.write(chunk);
        }
      });
    });
    from.once('close', () => {
      if (!this.partitioned.has(from)) {
        line.push(this.latency, () => to.end());
      }
    });
    const forget = () => {
      if (from.destroyed && to.destroyed) {
        line.close();
        this.lines.delete(line);
      }
    };
    from.once('close', forget);
    to.once('close', forget);
  }

  /** Whether this chunk completes the armed silence: the server's answer to the client's matching chunk. */
  private silences(chunk: Buffer, client: net.Socket, direction: 'request' | 'response'): boolean {
    const trigger = this.silence;
    if (!trigger) {
      return false;
    }
    if (direction === 'request' && !trigger.client && trigger.pattern.test(chunk.toString('latin1'))) {
      trigger.client = client;
    }
    if (direction === 'response' && trigger.client === client && chunk.includes(READY_FOR_QUERY)) {
      this.silence = undefined;
      trigger.fired();
      return true;
    }
    return false;
  }

  private partition(...sockets: net.Socket[]): void {
    for (const socket of sockets) {
      this.partitioned.add(socket);
      this.hold(socket);
      socket.once('close', () => this.partitioned.delete(socket));
    }
  }

  private hold(socket: net.Socket): void {
    this.held.add(socket);
    socket.once('close', () => this.held.delete(socket));
  }

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  private destroyAll(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
  }
}
