import { createHash, createHmac } from 'node:crypto';
import { parseSetCookie, type SetCookie } from 'cookie';
import type { Response } from 'supertest';

/** The cookie name the sample uses (the module's default: Secure, Path=/, no Domain, so `__Host-`). */
export const SESSION_COOKIE = '__Host-sid';

/** The parsed `Set-Cookie` for the session cookie of a response, or undefined when there is none. */
export function sessionSetCookie(response: Response): SetCookie | undefined {
  return setCookieHeaders(response)
    .map((header) => parseSetCookie(header))
    .find((cookie) => cookie.name === SESSION_COOKIE);
}

/** The raw `Set-Cookie` header lines of a response. */
export function setCookieHeaders(response: Response): string[] {
  const header = response.headers['set-cookie'] as string[] | string | undefined;
  return Array.isArray(header) ? header : header ? [header] : [];
}

/** The session ID inside `__Host-sid=<id>.<signature>` (or inside the bare value). */
export function sessionIdOf(cookie: string): string {
  const value = cookie.startsWith(`${SESSION_COOKIE}=`) ? cookie.slice(SESSION_COOKIE.length + 1) : cookie;
  return value.split('.')[0];
}

/** What the store keeps instead of the ID: its SHA-256 in hex (with a tenant, of `tenant + "\0" + id`). */
export function hashSessionId(id: string, tenant = ''): string {
  return createHash('sha256')
    .update(tenant === '' ? id : `${tenant}\u0000${id}`)
    .digest('hex');
}

/** A `__Host-sid=<id>.<signature>` cookie signed the way the module signs: HMAC-SHA256 in base64url. */
export function signedSessionCookie(id: string, secret: string): string {
  return `${SESSION_COOKIE}=${id}.${createHmac('sha256', secret).update(id).digest('base64url')}`;
}
