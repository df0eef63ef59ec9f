/** Longest `Authorization` header read; a signed session ID is 87 characters. Longer ones are refused unread. */
const MAX_AUTHORIZATION_LENGTH = 1024;

/** RFC 6750's `b64token`: what may follow `Bearer `. */
const B64_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** What a request's `Authorization` header says. */
export interface BearerReading {
  /** The header names the `Bearer` scheme (case-insensitive), whatever follows. */
  present: boolean;
  /** The credential after `Bearer `, or null when it is missing or not a well-formed token. */
  token: string | null;
}

const ABSENT: BearerReading = { present: false, token: null };

/**
 * Reads `Authorization: Bearer <token>`. Another scheme (`Basic ...`) is no Bearer credential at
 * all; a Bearer one that is empty, repeated, oversized or not a `b64token` is present but yields
 * no token, so it stands for an anonymous session and never falls back to the cookie.
 */
export function bearerTokenOf(header: string | string[] | undefined): BearerReading {
  if (Array.isArray(header)) {
    // Node keeps only the first `Authorization`; an adapter that keeps several gives no single answer.
    return header.some((value) => bearerTokenOf(value).present) ? { present: true, token: null } : ABSENT;
  }
  if (typeof header !== 'string') {
    return ABSENT;
  }
  const scheme = /^[^ \t]*/.exec(header.slice(0, 16))![0];
  if (scheme.toLowerCase() !== 'bearer') {
    return ABSENT;
  }
  if (header.length > MAX_AUTHORIZATION_LENGTH) {
    return { present: true, token: null };
  }
  const credential = header.slice(scheme.length).trim();
  return { present: true, token: B64_TOKEN.test(credential) ? credential : null };
}
