import { SetMetadata } from '@nestjs/common';

/** Metadata key written by `@SkipCsrf()`. */
export const SESSION_SKIP_CSRF_KEY = 'SESSION:SKIP_CSRF';

/**
 * Lets a handler, or every handler of a controller, through `SessionCsrfGuard` unchecked: for
 * routes that authenticate otherwise (a webhook with its own signature) when the guard is
 * registered for the whole app. A handler's `@SkipCsrf(false)` checks again under a skipping controller.
 */
export const SkipCsrf = (skip = true) => SetMetadata(SESSION_SKIP_CSRF_KEY, skip);
