import { SESSION_REQUEST_KEY } from '../core/session.constants';
import type { RequestSession } from '../core/request-session';
import type { SessionHttpRequest } from '../http/platform/http-platform';
import type { SessionTransportKind } from '../http/session-transport.decorator';
import type { SessionIdVia } from '../http/session-transport';

/** What one request carries: its session, loaded at most once, and how its cookie arrived. */
export interface RequestState {
  loading: Promise<RequestSession>;
  /** Set once loading succeeded. */
  session?: RequestSession;
  /** The request brought a cookie of the session's name (a cleared or stale one is then cleared). */
  hadCookie: boolean;
  /** Its cookie verified under a rotated-out secret: it is sent again, signed with the current one. */
  signedWithOldSecret: boolean;
  /** It brought express-session's cookie (`legacyCookie`): the response clears it. */
  hadLegacyCookie?: boolean;
  /** The transport the route accepts (`@SessionTransport()` or the module's `transport` option). */
  transport: SessionTransportKind;
  /** How the ID arrived: the cookie, `Authorization: Bearer`, or nothing (a new visitor). */
  via: SessionIdVia;
  /**
   * The cookie named a device-bound session presented without its short-lived cookie (DBSC): it is
   * not cleared, since the browser may be about to refresh that cookie.
   */
  keepsCookie?: boolean;
}

type RequestWithState = SessionHttpRequest & { [SESSION_REQUEST_KEY]?: RequestState };

/**
 * The one owner of the per-request state, kept on the platform's request object under a symbol:
 * the loader attaches it, everything else asks here.
 */
export const RequestStates = {
  of(request: SessionHttpRequest): RequestState | undefined {
    return (request as RequestWithState)[SESSION_REQUEST_KEY];
  },

  /** The session if this request has loaded it already. */
  sessionOf(request: SessionHttpRequest): RequestSession | undefined {
    return RequestStates.of(request)?.session;
  },

  attach(request: SessionHttpRequest, state: RequestState): void {
    (request as RequestWithState)[SESSION_REQUEST_KEY] = state;
    state.loading.then(
      (session) => (state.session = session),
      // A failed load is retried by the next caller (the interceptor after the guard), not cached.
      () => delete (request as RequestWithState)[SESSION_REQUEST_KEY],
    );
  },
};
