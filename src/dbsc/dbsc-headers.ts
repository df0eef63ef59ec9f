import type { SessionHttpRequest } from '../http/platform/http-platform';
import { DBSC_ALGORITHMS } from './dbsc-proof';

/** Response header that offers registration. */
export const REGISTRATION_HEADER = 'Secure-Session-Registration';
/** Response header that hands the browser the challenge its next proof must sign. */
export const CHALLENGE_HEADER = 'Secure-Session-Challenge';
/** Request header carrying the browser's proof (a JWT). */
export const PROOF_HEADER = 'secure-session-response';
/** Request header naming the DBSC session a refresh is for. */
export const SESSION_ID_HEADER = 'sec-secure-session-id';

/** `Secure-Session-Registration: (ES256 RS256);path="<path>";challenge="<challenge>"`. */
export function registrationHeader(path: string, challenge: string): string {
  return `(${DBSC_ALGORITHMS.join(' ')});path="${path}";challenge="${challenge}"`;
}

/** `Secure-Session-Challenge: "<challenge>";id="<session identifier>"`. */
export function challengeHeader(challenge: string, bindingId: string): string {
  return `"${challenge}";id="${bindingId}"`;
}

/**
 * A request header the draft defines as an sf-string: Chrome sends it bare, the draft quoted (with
 * parameters, ignored). Null when absent, repeated, or empty.
 */
export function sfStringHeader(request: SessionHttpRequest, name: string): string | null {
  const raw = request.headers[name];
  if (typeof raw !== 'string') {
    return null;
  }
  const value = raw.trim();
  if (!value.startsWith('"')) {
    return value === '' ? null : value;
  }
  const match = /^"((?:[^"\\]|\\.)*)"(?:;.*)?$/.exec(value);
  return match && match[1] !== '' ? match[1].replace(/\\(.)/g, '$1') : null;
}
