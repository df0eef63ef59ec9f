import type { SessionHttpRequest } from './http-platform';

/** The first (client-side) address of `X-Forwarded-For`, or null. Only meaningful behind a proxy you trust. */
export function firstForwardedFor(request: SessionHttpRequest): string | null {
  const header = request.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',')[0]?.trim();
  return first ? first : null;
}
