import request from 'supertest';
import { SessionAgent } from './session-agent';
import { sleep } from './sleep';

/** How {@link KvWriters} loads the app. */
export interface KvWritersOptions {
  /** Concurrent clients; each writes its own keys, one request at a time. */
  clients: number;
  /** A request without an answer after this many milliseconds counts as hung (status 0). */
  hangAfter: number;
  /** Milliseconds a client waits between two requests. */
  pause: number;
  /** The most requests one client sends between `start()` and `stop()`, so the load is bounded whatever happens. */
  maxRequestsPerClient: number;
}

/** One request of the load and what came of it. */
export interface KvOutcome {
  client: number;
  key: string;
  value: number;
  /** The HTTP status; 0 when no answer came (hung, or the connection failed: see `error`). */
  status: number;
  error?: string;
  sentAt: number;
  answeredAt: number;
}

/** A key whose stored value is older than the last value acknowledged for it. */
export interface LostWrite {
  key: string;
  acknowledged: number;
  stored: unknown;
}

/**
 * Clients writing `PUT /kv/k{client}_{n}` into one session, with values that only increase, and
 * remembering the value each key got a 2xx for. A client writes a key until one write is
 * acknowledged (a failed write is sent again with a newer value, as a user saves again), then
 * moves on and never writes that key again: an older write that lands after the acknowledged one,
 * however late, stays visible in the end.
 */
export class KvWriters {
  readonly outcomes: KvOutcome[] = [];
  private readonly acknowledged = new Map<string, number>();
  /** Per client: the key it writes now, and the last value it sent. */
  private readonly progress: { key: number; value: number }[];
  private running = false;
  private loops: Promise<void>[] = [];

  private constructor(
    private readonly baseUrl: string,
    private readonly cookie: string,
    private readonly options: KvWritersOptions,
  ) {
    this.progress = Array.from({ length: options.clients }, () => ({ key: 0, value: 0 }));
  }

  /** Creates the session the clients share (while the store is up), not yet writing. */
  static async open(baseUrl: string, options: KvWritersOptions): Promise<KvWriters> {
    const agent = new SessionAgent(baseUrl);
    await agent.put('/kv/seed').send({ value: 0 }).expect(200);
    return new KvWriters(baseUrl, agent.cookie!, options);
  }

  /** Starts (or resumes) every client's loop. */
  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.options.clients }, (_, client) => this.loop(client));
  }

  /** Lets each client finish the request it has in flight, and stops them. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Outcomes other than 200 and 503: another status, a hung request, a failed connection. */
  unexpected(): KvOutcome[] {
    return this.outcomes.filter(({ status }) => status !== 200 && status !== 503);
  }

  /** How many requests got `status`, among those sent at or after `since`. */
  count(status: number, since = 0): number {
    return this.outcomes.filter((outcome) => outcome.status === status && outcome.sentAt >= since).length;
  }

  /** The longest time in milliseconds a request waited for `status` (0 if none got it). */
  slowest(status: number): number {
    return Math.max(0, ...this.outcomes.filter((o) => o.status === status).map((o) => o.answeredAt - o.sentAt));
  }

  /** Milliseconds from `since` to the first 200 of a request sent at or after it, if any. */
  firstOkAfter(since: number): number | undefined {
    const answers = this.outcomes.filter((o) => o.status === 200 && o.sentAt >= since).map((o) => o.answeredAt);
    return answers.length === 0 ? undefined : Math.min(...answers) - since;
  }

  /**
   * Waits until every client has had a 200 for a request sent at or after `since`; gives the
   * milliseconds from `since` until the last of them. Throws after `bound` milliseconds.
   */
  async everyClientOkAfter(since: number, bound: number): Promise<number> {
    const clients = Array.from({ length: this.options.clients }, (_, client) => client);
    for (;;) {
      const firsts = clients.map((client) => this.firstOk(client, since));
      if (firsts.every((first) => first !== undefined)) {
        return Math.max(...firsts) - since;
      }
      if (Date.now() - since > bound) {
        throw new Error(`Not every client got a 200 within ${bound} ms (${firsts.filter(Boolean).length} did)`);
      }
      await sleep(50);
    }
  }

  /** Reads `GET /kv` and lists the keys stored with a value older than their last acknowledged write. */
  async lostWrites(): Promise<LostWrite[]> {
    const { body } = await request(this.baseUrl).get('/kv').set('Cookie', this.cookie).expect(200);
    const stored = (body as { kv: Record<string, unknown> }).kv;
    return [...this.acknowledged]
      .filter(([key, value]) => !(typeof stored[key] === 'number' && stored[key] >= value))
      .map(([key, acknowledged]) => ({ key, acknowledged, stored: stored[key] }));
  }

  private firstOk(client: number, since: number): number | undefined {
    const answers = this.outcomes
      .filter((o) => o.client === client && o.status === 200 && o.sentAt >= since)
      .map((o) => o.answeredAt);
    return answers.length === 0 ? undefined : Math.min(...answers);
  }

  private async loop(client: number): Promise<void> {
    const progress = this.progress[client];
    for (let sent = 0; this.running && sent < this.options.maxRequestsPerClient; sent++) {
      const key = `k${client}_${progress.key}`;
      const outcome = await this.put(client, key, ++progress.value);
      this.outcomes.push(outcome);
      if (outcome.status === 200) {
        this.acknowledged.set(key, outcome.value);
        progress.key++;
      }
      await sleep(this.options.pause);
    }
  }

  private async put(client: number, key: string, value: number): Promise<KvOutcome> {
    const sentAt = Date.now();
    try {
      const response = await request(this.baseUrl)
        .put(`/kv/${key}`)
        .set('Cookie', this.cookie)
        .send({ value })
        .timeout(this.options.hangAfter);
      return { client, key, value, status: response.status, sentAt, answeredAt: Date.now() };
    } catch (error) {
      return { client, key, value, status: 0, error: String(error), sentAt, answeredAt: Date.now() };
    }
  }
}
