import { Logger } from '@nestjs/common';
import type { RequestSession } from '../core/request-session';
import type { SessionSigner, VerifiedSessionId } from '../core/session-signer';
import type { RequestState } from '../lifecycle/request-state';
import { bearerTokenOf } from './bearer-token';
import { headersSent, setResponseHeader, type SessionHttpRequest } from './platform/http-platform';

/** What a request's `Authorization` header says about its session. */
export interface SessionTokenReading {
  /** A `Bearer` credential came, well-formed or not. */
  present: boolean;
  /** Its signed ID, when it verifies. */
  verified: VerifiedSessionId | null;
}

/**
 * The header transport: reads the signed ID (the cookie's value, byte for byte) from
 * `Authorization: Bearer`, and sends a new or renewed one in the `tokenHeader` response header.
 * Nothing to clear when a session ends: the client drops a token that no longer works.
 */
export class SessionTokenHeader {
  private readonly logger = new Logger('SessionModule');

  constructor(
    private readonly headerName: string,
    private readonly signer: SessionSigner,
  ) {}

  read(request: SessionHttpRequest): SessionTokenReading {
    const { present, token } = bearerTokenOf(request.headers.authorization);
    return { present, verified: token === null ? null : this.signer.verify(token) };
  }

  /** Adds the token header when the client's token changed (new session, new ID, old secret), with `Cache-Control: no-store`. */
  write(response: unknown, session: RequestSession, state: RequestState): void {
    if (!this.shouldSend(session, state)) {
      return;
    }
    if (headersSent(response)) {
      this.logger.warn(
        'The response was sent before the session committed, so its token could not be sent. Do not send the response yourself with @Res() unless passthrough: true.',
      );
      return;
    }
    setResponseHeader(response, this.headerName, this.signer.sign(session.id));
    // The token is a credential: no cache may keep it for someone else.
    setResponseHeader(response, 'Cache-Control', 'no-store');
    session.cookieDirty = false;
    state.signedWithOldSecret = false;
  }

  /** A stored session whose client lacks its current token. */
  private shouldSend(session: RequestSession, state: RequestState): boolean {
    return session.storedIdHash !== null && (session.cookieDirty || state.signedWithOldSecret);
  }
}
