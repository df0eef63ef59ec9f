import type { Logger } from '@nestjs/common';
import { SessionError, SessionStoreUnavailableError } from './session.errors';

/**
 * Every store call goes through here: bounded by `timeout` milliseconds, and any failure
 * becomes a {@link SessionStoreUnavailableError} (503), logged once.
 */
export async function callStore<R>(call: () => Promise<R>, timeout: number, logger: Logger): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SessionStoreUnavailableError(`The session store did not answer within ${timeout} ms`)),
      timeout,
    );
  });
  try {
    return await Promise.race([call(), timedOut]);
  } catch (error) {
    if (error instanceof SessionStoreUnavailableError) {
      logger.warn(error.message);
      throw error;
    }
    if (error instanceof SessionError) {
      // The store's answer, not a failure: a login refused under the session limit.
      throw error;
    }
    logger.error(`Session store failure: ${error instanceof Error ? error.message : String(error)}`);
    throw new SessionStoreUnavailableError(undefined, error);
  } finally {
    clearTimeout(timer);
  }
}
