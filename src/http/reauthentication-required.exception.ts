import { ForbiddenException } from '@nestjs/common';

/** Stable code of the 403 that `@RequireFresh()` answers when the last proof of identity is too old. */
export const REAUTHENTICATION_REQUIRED = 'REAUTHENTICATION_REQUIRED';

/**
 * 403 of a logged-in user whose last proof of identity is older than the route allows: its body is
 * `{ statusCode: 403, message, code: 'REAUTHENTICATION_REQUIRED' }`, so a client can tell it from a
 * missing role and ask for the password (or another factor) again.
 */
export class ReauthenticationRequiredException extends ForbiddenException {
  readonly code = REAUTHENTICATION_REQUIRED;

  constructor(message = 'Please confirm it is you: sign in again to continue') {
    super({ statusCode: 403, message, code: REAUTHENTICATION_REQUIRED });
  }
}
