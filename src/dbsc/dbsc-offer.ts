import { RESERVED_DBSC_KEY } from '../core/session.constants';
import type { RequestSession } from '../core/request-session';
import { headersSent, setResponseHeader } from '../http/platform/http-platform';
import { answersWithHeader } from '../http/session-transport';
import type { RequestState } from '../lifecycle/request-state';
import type { ResolvedDbscOptions } from './dbsc-options';
import { newDbscChallenge, withDbscChallenge } from './dbsc-challenges';
import { REGISTRATION_HEADER, registrationHeader } from './dbsc-headers';
import { dbscRecordOf } from './dbsc-record';

/**
 * The offer of registration, made by the commit of a response that logged in (with `offerOnLogin`)
 * or called `session.offerDeviceBinding()`: a registration challenge is stored with the session
 * (an existing binding stays until a registration replaces it), then the header goes out.
 */
export class DbscOffer {
  constructor(private readonly options: ResolvedDbscOptions) {}

  /** Stores the challenge the offer will carry; null when this commit offers nothing. */
  prepare(session: RequestSession, state: RequestState, now: number): string | null {
    const asked = session.deviceBindingOffer;
    session.deviceBindingOffer = null;
    if (!this.shouldOffer(asked, session, state)) {
      return null;
    }
    const record = dbscRecordOf(session.record.data);
    const challenge = newDbscChallenge('registration', now, this.options.challengeLifetime);
    const challenges = withDbscChallenge(record.challenges, challenge, now);
    session.writeReserved(RESERVED_DBSC_KEY, { ...record, challenges });
    return challenge.value;
  }

  /** Adds the offer to a response whose session was stored with the challenge. */
  send(response: unknown, session: RequestSession, challenge: string): void {
    if (session.storedIdHash !== null && !session.destroyed && !headersSent(response)) {
      setResponseHeader(response, REGISTRATION_HEADER, registrationHeader(this.options.registrationPath, challenge));
    }
  }

  /** Only browsers can take the offer: never on header-transport responses, nor for a session that ends. */
  private shouldOffer(asked: RequestSession['deviceBindingOffer'], session: RequestSession, state: RequestState) {
    if (asked === null || session.destroyed || answersWithHeader(state.transport, state.via)) {
      return false;
    }
    return asked === 'explicit' || (this.options.offerOnLogin && session.isAuthenticated);
  }
}
