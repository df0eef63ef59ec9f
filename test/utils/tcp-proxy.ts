import net from 'node:net';

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
  private mode: 'forward' | CutMode = 'forward';
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
   * Forwards new connections again. Black-holed ones are dropped so their clients fail now instead
   * of hanging, unless `keepHeld`: then they stay half-open, silent, as after a partition heals
   * before either side noticed it.
   */
  restore(options: { keepHeld?: boolean } = {}): void {
    this.mode = 'forward';
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
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  /** Copies data from one side to the other while neither is held; either side closing closes both. */
  private forward(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk) => {
      if (!this.held.has(from) && !this.held.has(to)) {
        to.write(chunk);
      }
    });
    from.once('close', () => to.destroy());
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
