import { SessionError, SessionStoreUnavailableError } from '../core/session.errors';
import type { SessionStoreCallOptions } from './session-store.interface';
import type { SessionStoreHealth } from './session-store-health';

/**
 * The one timeout layer: every store call goes through here. It is bounded by `timeout`
 * milliseconds; then its signal aborts (so the store can stop its work: the TypeORM store cancels
 * the statement) and the call fails with {@link SessionStoreUnavailableError} (503), as any other
 * failure does. Failures are reported to `health`, which logs an outage's start and end rather
 * than each failed call. A `SessionError` the store answers with (a refused login) passes as is.
 */
export async function callStore<R>(
  call: (options: Required<SessionStoreCallOptions>) => Promise<R>,
  timeout: number,
  health: SessionStoreHealth,
): Promise<R> {
  const started = health.callStarted();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new SessionStoreUnavailableError(`The session store did not answer within ${timeout} ms`);
      controller.abort(error);
      reject(error);
    }, timeout);
  });
  try {
    const result = await Promise.race([call({ signal: controller.signal, timeout }), timedOut]);
    health.answered(started);
    return result;
  } catch (error) {
    if (error instanceof SessionError && !(error instanceof SessionStoreUnavailableError)) {
      // The store's answer, not a failure: a login refused under the session limit, say.
      health.answered(started);
      throw error;
    }
    health.failed(error instanceof Error ? error.message : String(error));
    throw error instanceof SessionStoreUnavailableError ? error : new SessionStoreUnavailableError(undefined, error);
  } finally {
    clearTimeout(timer);
  }
}
