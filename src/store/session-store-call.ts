import { SessionError, SessionStoreUnavailableError } from '../core/session.errors';
import type { SessionStoreHealth } from './session-store-health';

/**
 * Every store call goes through here: bounded by `timeout` milliseconds, and any failure becomes
 * a {@link SessionStoreUnavailableError} (503). Failures are reported to `health`, which logs an
 * outage's start and end rather than each failed call.
 */
export async function callStore<R>(call: () => Promise<R>, timeout: number, health: SessionStoreHealth): Promise<R> {
  const started = health.callStarted();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SessionStoreUnavailableError(`The session store did not answer within ${timeout} ms`)),
      timeout,
    );
  });
  try {
    const result = await Promise.race([call(), timedOut]);
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
