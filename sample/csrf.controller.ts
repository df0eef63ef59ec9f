import { Controller, Get } from '@nestjs/common';
import { Session } from '../src';

/**
 * Hands a client its session's CSRF token. With `SESSION_CSRF=true` every POST, PUT, PATCH and
 * DELETE that carries the session cookie must send it back in `X-CSRF-Token`.
 */
@Controller()
export class CsrfController {
  /** `{"token"}`; creates the session (and sets its cookie) for a visitor who has none. */
  @Get('csrf')
  token(@Session() session: Session): { token: string } {
    return { token: session.csrfToken() };
  }
}
