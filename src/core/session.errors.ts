/**
 * Base class of every error this package throws. `code` is stable across versions: match on it
 * (or on the class), never on the message.
 */
export abstract class SessionError extends Error {
  /** A stable identifier of the kind of error, such as `'SESSION_STORE_UNAVAILABLE'`. */
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The options given to `SessionModule` are unusable; thrown at start-up. */
export class SessionConfigurationError extends SessionError {
  readonly code = 'SESSION_CONFIGURATION_INVALID';
}

/** The session store did not answer, or not in time. Mapped to 503. */
export class SessionStoreUnavailableError extends SessionError {
  readonly code = 'SESSION_STORE_UNAVAILABLE';

  constructor(message = 'The session store is unavailable', cause?: unknown) {
    super(message, { cause });
  }
}

/**
 * A patch with `ifVersion` found the session at another version (the `cache` option makes every
 * write conditional on the version it read): the store changed nothing. The module then reads the
 * session again and applies the request's changes to that copy; it never reaches the client.
 */
export class SessionChangedError extends SessionError {
  readonly code = 'SESSION_CHANGED';

  constructor(message = 'The session changed since it was read; the write was not applied') {
    super(message);
  }
}

/** The session would exceed `maxSessionBytes`. Mapped to 413. */
export class SessionTooLargeError extends SessionError {
  readonly code = 'SESSION_TOO_LARGE';

  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`The session would take ${size} bytes, more than the limit of ${limit} bytes`);
  }
}

/** A value that JSON cannot round-trip was given to `session.set()`. Mapped to 400. */
export class SessionValueError extends SessionError {
  readonly code = 'SESSION_VALUE_INVALID';

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
  readonly code = 'SESSION_DATA_REJECTED';

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
  readonly code = 'SESSION_LIMIT_EXCEEDED';

  constructor(readonly limit: number) {
    super(`This account already has ${limit} active sessions, the most allowed: log out of one first`);
  }
}

/** The session was used after `destroy()`, or its state does not allow the call. Mapped to 500. */
export class SessionStateError extends SessionError {
  readonly code = 'SESSION_STATE_INVALID';
}
