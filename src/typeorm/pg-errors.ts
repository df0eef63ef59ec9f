import { SessionDataRejectedError } from '../core/session.errors';

/** PostgreSQL's SQLSTATE class 22, "data exception": a NUL in jsonb (22P05), bad JSON (22P02), bad bytes (22021)... */
const DATA_EXCEPTION_CLASS = '22';

/**
 * Whether PostgreSQL refused a statement because of the values it was given (SQLSTATE class 22), as
 * opposed to being unreachable or failing: the caller sent data it cannot store.
 */
export function isDataException(error: unknown): error is { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && code.startsWith(DATA_EXCEPTION_CLASS);
}

/** What a failed statement should throw: a data exception becomes a {@link SessionDataRejectedError} (400). */
export function toStoreError(error: unknown): unknown {
  return isDataException(error) ? new SessionDataRejectedError(error.code, error) : error;
}
