import type { SessionHttpRequest } from '../http/platform/http-platform';

/** What the CSRF check reads of an Express or Fastify request besides its headers. */
export interface CsrfRequest extends SessionHttpRequest {
  method?: string;
  /** The body as the platform's parser left it: an object for JSON and form bodies, else anything or nothing. */
  body?: unknown;
}

/** Methods that must not change anything (RFC 9110 §9.2.1), so a forged one does no harm. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether the request's method may change state (POST, PUT, PATCH, DELETE and any other). */
export function isUnsafeMethod(request: CsrfRequest): boolean {
  return !SAFE_METHODS.has((request.method ?? 'GET').toUpperCase());
}

/**
 * The token the request submits: the header's value if the header came (a repeated header
 * counts by its first value), else the body's field (`''` when it is not a string), else null.
 */
export function submittedCsrfToken(request: CsrfRequest, header: string, field: string): string | null {
  const value = request.headers[header];
  const fromHeader = Array.isArray(value) ? value[0] : value;
  if (fromHeader !== undefined) {
    return fromHeader;
  }
  const body = request.body;
  if (body === null || typeof body !== 'object' || !Object.prototype.hasOwnProperty.call(body, field)) {
    return null;
  }
  const fromBody = (body as Record<string, unknown>)[field];
  // A field that is there but not a string was still a submission: invalid rather than missing.
  return typeof fromBody === 'string' ? fromBody : '';
}
