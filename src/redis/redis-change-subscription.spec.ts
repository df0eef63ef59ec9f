import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { ChangeRecorder } from '../testing/change-recorder';
import { RedisChangeSubscription, type ChangeChannelTiming } from './redis-change-subscription';
import type { RedisSubscriberConnector } from './redis-subscriber-connector';

const TIMING: ChangeChannelTiming = {
  heartbeatInterval: 1000,
  heartbeatTimeout: 1000,
  subscribeTimeout: 3000,
  firstRetryDelay: 100,
  maxRetryDelay: 2000,
};

/** A subscriber connection that answers as told: a PING with `pong`, or not at all. */
class FakeConnection extends EventEmitter {
  status = 'ready';
  answers = true;
  pings = 0;

  ping(): Promise<unknown> {
    this.pings++;
    return this.answers ? Promise.resolve(['pong', '']) : Promise.reject(new Error('Command timed out'));
  }

  disconnect(): void {
    this.status = 'end';
    this.emit('end');
  }
}

/** A connector whose servers are up or down, as the test says; it counts the attempts. */
class FakeConnector {
  up = true;
  readonly opened: FakeConnection[] = [];
  attempts = 0;
  readonly messageEvent = 'message';

  async open(): Promise<Redis> {
    this.attempts++;
    if (!this.up) {
      throw new Error('ECONNREFUSED');
    }
    const connection = new FakeConnection();
    this.opened.push(connection);
    return connection as unknown as Redis;
  }

  async subscribe(): Promise<void> {}
}

describe('RedisChangeSubscription', () => {
  let connector: FakeConnector;
  let recorder: ChangeRecorder;
  let subscription: RedisChangeSubscription;

  beforeEach(async () => {
    jest.useFakeTimers();
    connector = new FakeConnector();
    recorder = new ChangeRecorder();
    subscription = new RedisChangeSubscription(
      connector as unknown as RedisSubscriberConnector,
      recorder,
      TIMING,
      () => undefined,
    );
    subscription.start();
    await jest.advanceTimersByTimeAsync(0);
  });

  afterEach(async () => {
    await subscription.close();
    jest.useRealTimers();
  });

  it('delivers the channel’s messages, and ignores garbled ones', () => {
    connector.opened[0].emit('message', 'sess:changes', 'h1 3');
    connector.opened[0].emit('message', 'sess:changes', 'h2');
    connector.opened[0].emit('message', 'sess:changes', 'h3 x y');
    expect(recorder.listenings).toBe(1);
    expect(recorder.changes).toEqual([
      { handle: 'h1', version: 3 },
      { handle: 'h2', version: null },
    ]);
  });

  it('PINGs every heartbeatInterval; one unanswered interrupts once, and a new connection listens again', async () => {
    await jest.advanceTimersByTimeAsync(3000);
    expect(connector.opened[0].pings).toBe(3);
    connector.opened[0].answers = false;
    await jest.advanceTimersByTimeAsync(1000);
    expect(recorder.interruptions).toBe(1);
    expect(connector.opened[0].status).toBe('end');
    await jest.advanceTimersByTimeAsync(TIMING.firstRetryDelay);
    expect(connector.opened).toHaveLength(2);
    expect(recorder.listenings).toBe(2);
    expect(recorder.interruptions).toBe(1);
  });

  it('retries with a backoff that doubles up to maxRetryDelay, and starts over once it listens', async () => {
    connector.up = false;
    connector.opened[0].emit('error', new Error('ECONNRESET'));
    expect(recorder.interruptions).toBe(1);
    const attemptsAfter = async (ms: number) => {
      const before = connector.attempts;
      await jest.advanceTimersByTimeAsync(ms);
      return connector.attempts - before;
    };
    for (const delay of [100, 200, 400, 800, 1600, 2000, 2000]) {
      expect(await attemptsAfter(delay - 1)).toBe(0);
      expect(await attemptsAfter(1)).toBe(1);
    }
    expect(recorder.interruptions).toBe(1);
    connector.up = true;
    await jest.advanceTimersByTimeAsync(2000);
    expect(recorder.listenings).toBe(2);
    connector.opened[1].emit('end');
    expect(await attemptsAfter(100)).toBe(1);
  });

  it('stops on close(): no connection, no timer, nothing delivered', async () => {
    await subscription.close();
    expect(connector.opened[0].status).toBe('end');
    expect(jest.getTimerCount()).toBe(0);
    connector.opened[0].emit('message', 'sess:changes', 'h1 1');
    expect(recorder.changes).toEqual([]);
    expect(recorder.interruptions).toBe(0);
  });
});
