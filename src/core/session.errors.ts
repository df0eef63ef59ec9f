/** Base class of every error this package throws. */
export class SessionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The options given to `SessionModule` are unusable; thrown at start-up. */
export class SessionConfigurationError extends SessionError {}

/** The session store did not answer, or not in time. Mapped to 503. */
export class SessionStoreUnavailableError extends SessionError {
  constructor(message = 'The session store is unavailable', cause?: unknown) {
    super(message, { cause });
  }
}

/** The session would exceed `maxSessionBytes`. Mapped to 413. */
export class SessionTooLargeError extends SessionError {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`The session would take ${size} bytes, more than the limit of ${limit} bytes`);
  }
}

/** A value that JSON cannot round-trip was given to `session.set()`. Mapped to 400. */
export class SessionValueError extends SessionError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    // JSON-quoted, so a key holding a NUL or a lone surrogate shows as an escape in logs and responses.
    super(`Session key ${JSON.stringify(key)} cannot be stored: ${reason}`);
  }
}

/**
 * The session store refused the data it was given as invalid (PostgreSQL: SQLSTATE class 22, "data
 * exception"): the request is at fault, not the store. Mapped to 400, never logged as a failure.
 */
export class SessionDataRejectedError extends SessionError {
  constructor(
    /** The store's own code for the refusal, e.g. PostgreSQL's SQLSTATE `22P05`. */
    readonly sqlState: string,
    cause?: unknown,
  ) {
    super(`The session store refused the session's data as invalid (SQLSTATE ${sqlState})`, { cause });
  }
}

/** A login would exceed `maxSessionsPerUser` under the `'refuse'` policy. Mapped to 409. */
export class SessionLimitExceededError extends SessionError {
  constructor(readonly limit: number) {
    super(`This account already has ${limit} active sessions, the most allowed: log out of one first`);
  }
}

/** The session was used after `destroy()`, or its state does not allow the call. Mapped to 500. */
export class SessionStateError extends SessionError {}
