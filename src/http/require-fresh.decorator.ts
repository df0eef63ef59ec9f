import { SetMetadata } from '@nestjs/common';
import { SESSION_FRESH_KEY } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';

/**
 * Asks `SessionAuthGuard` for a recent proof of identity (OWASP ASVS 5.0 V7.5): the user must have
 * logged in or called `session.reauthenticated()` at most `maxAge` milliseconds ago (default: the
 * module's `freshAge`, 5 min unless set), or the guard answers 403 with code
 * `REAUTHENTICATION_REQUIRED`. On a handler or a controller; the handler's value wins.
 */
export function RequireFresh(maxAge?: number) {
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge <= 0)) {
    throw new SessionConfigurationError(
      `@RequireFresh() takes a positive number of milliseconds; got ${String(maxAge)}`,
    );
  }
  // `true` stands for "the module's freshAge", so the metadata is always present on a marked target.
  return SetMetadata(SESSION_FRESH_KEY, maxAge ?? true);
}
