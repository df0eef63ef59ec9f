import { Logger } from '@nestjs/common';
import { SessionLimitExceededError, SessionStoreUnavailableError } from '../core/session.errors';
import { callStore } from './session-store-call';
import { SessionStoreHealth } from './session-store-health';

const TIMEOUT = 1000;
const refused = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
const answered = () => Promise.resolve('row');

describe('SessionStoreHealth, through callStore', () => {
  let error: jest.SpyInstance;
  let warn: jest.SpyInstance;
  let health: SessionStoreHealth;

  beforeEach(() => {
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    health = new SessionStoreHealth();
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  const call = <R>(operation: () => Promise<R>) => callStore(operation, TIMEOUT, health);

  it('logs nothing while the store answers', async () => {
    await expect(Promise.all([call(answered), call(answered)])).resolves.toEqual(['row', 'row']);
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it('logs an outage once when it starts, with the reason, and once when it ends, with its duration and count', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate'] });
    for (let i = 0; i < 500; i++) {
      await expect(call(refused)).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    }
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toMatch(/^Session store unavailable: connect ECONNREFUSED 127\.0\.0\.1:5432/);
    expect(warn).not.toHaveBeenCalled();

    jest.setSystemTime(1_010_000);
    await call(answered);
    await call(answered);

    expect(error).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe('Session store available again after 10000 ms; 500 calls failed meanwhile');
  });

  it('counts a call that timed out as a failure', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    const hung = call(() => new Promise<never>(() => undefined));
    const rejected = expect(hung).rejects.toThrow(`did not answer within ${TIMEOUT} ms`);
    await jest.advanceTimersByTimeAsync(TIMEOUT);
    await rejected;
    await call(answered);

    expect(error).toHaveBeenCalledWith(expect.stringContaining(`did not answer within ${TIMEOUT} ms`));
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/; 1 call failed meanwhile$/));
  });

  it('is not ended by a call that was already under way when the latest failure came', async () => {
    let answerSlowCall!: (value: string) => void;
    const slow = call(() => new Promise<string>((resolve) => (answerSlowCall = resolve)));
    await expect(call(refused)).rejects.toThrow();

    answerSlowCall('late row');
    await expect(slow).resolves.toBe('late row');
    expect(warn).not.toHaveBeenCalled();

    await call(answered);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("takes an error of the store's contract (a refused login) as an answer, not a failure", async () => {
    await expect(call(refused)).rejects.toThrow();
    await expect(call(() => Promise.reject(new SessionLimitExceededError(2)))).rejects.toBeInstanceOf(
      SessionLimitExceededError,
    );
    expect(error).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/; 1 call failed meanwhile$/));
  });

  it('logs each new outage again, and keeps separate counts for separate modules', async () => {
    const other = new SessionStoreHealth();
    await expect(call(refused)).rejects.toThrow();
    await expect(callStore(refused, TIMEOUT, other)).rejects.toThrow();
    await expect(callStore(refused, TIMEOUT, other)).rejects.toThrow();
    expect(error).toHaveBeenCalledTimes(2);

    await call(answered);
    await callStore(answered, TIMEOUT, other);
    expect(warn.mock.calls.map(([message]) => String(message).replace(/\d+ ms/, 'N ms'))).toEqual([
      'Session store available again after N ms; 1 call failed meanwhile',
      'Session store available again after N ms; 2 calls failed meanwhile',
    ]);

    await expect(call(refused)).rejects.toThrow();
    expect(error).toHaveBeenCalledTimes(3);
  });
});
