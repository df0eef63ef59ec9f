import { Inject, Injectable } from '@nestjs/common';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionSigner } from '../core/session-signer';
import type { Session } from '../core/session.interface';
import type { ResolvedSessionOptions } from '../module/session-options';

/**
 * The session's token for header-transport clients, for a handler that puts it in its body
 * (`{ token, user }` after a login). The module sends new tokens in the `tokenHeader` response
 * header anyway; this is for APIs whose clients expect it in the body.
 */
@Injectable()
export class SessionTokens {
  private readonly signer: SessionSigner;

  constructor(@Inject(SESSION_MODULE_OPTIONS) options: ResolvedSessionOptions) {
    this.signer = new SessionSigner(options.secrets);
  }

  /**
   * The signed ID a client sends back as `Authorization: Bearer <token>`: the cookie's value, as
   * secret as a password. Call it after `login()` or `regenerate()`, which change it; it works once
   * the request commits (a session with no data is stored only with `saveUninitialized`, and a
   * destroyed one never).
   */
  tokenOf<T extends object>(session: Session<T>): string {
    return this.signer.sign(session.id);
  }
}
