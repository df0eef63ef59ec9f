import { HttpException, HttpStatus } from '@nestjs/common';

/** Why `SessionCsrfGuard` refused a request: no token came, or the one that came is not this session's. */
export type CsrfErrorCode = 'CSRF_TOKEN_MISSING' | 'CSRF_TOKEN_INVALID';

const MESSAGES: Record<CsrfErrorCode, string> = {
  CSRF_TOKEN_MISSING: 'This request needs the session’s CSRF token',
  CSRF_TOKEN_INVALID: 'The CSRF token is not valid for this session',
};

/**
 * The 403 of `SessionCsrfGuard`. Its response is `{ statusCode: 403, message, code }`; match on
 * `code`, which is stable, never on the message.
 */
export class CsrfTokenException extends HttpException {
  constructor(readonly code: CsrfErrorCode) {
    super({ statusCode: HttpStatus.FORBIDDEN, message: MESSAGES[code], code }, HttpStatus.FORBIDDEN);
  }
}
