import { createHmac, timingSafeEqual } from 'node:crypto';
import { serialize as serializeCookie } from 'cookie';
import { cookieValuesOf } from '../http/platform/cookie-values';
import type { ResolvedSessionOptions } from '../module/session-options';
import type { ResolvedDbscOptions } from './dbsc-options';

/**
 * The short-lived device-bound cookie: `<expiry, base 36>.<HMAC-SHA256>` over the session's handle,
 * the binding's identifier and the expiry, under the session secrets (the first signs, every one
 * verifies). Stateless: checking it costs no store call. Naming the binding, it dies with it (a new
 * registration, a logout); naming the handle, it survives the session's changes of ID.
 */
export class DeviceCookie {
  private readonly dbsc: ResolvedDbscOptions;

  constructor(private readonly options: Pick<ResolvedSessionOptions, 'secrets' | 'cookie' | 'dbsc'>) {
    if (options.dbsc === null) {
      throw new Error('DeviceCookie needs the dbsc option');
    }
    this.dbsc = options.dbsc;
  }

  /** A value for the session `handle` bound as `bindingId`, good for `cookieLifetime` from `now`. */
  issue(handle: string, bindingId: string, now: number): string {
    const expiresAt = now + this.dbsc.cookieLifetime;
    return `${expiresAt.toString(36)}.${this.mac(this.options.secrets[0], handle, bindingId, expiresAt)}`;
  }

  /** Whether `value` was issued for this handle and binding and has not expired. Constant time in the MAC. */
  verify(value: string, handle: string, bindingId: string, now: number): boolean {
    const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match) {
      return false;
    }
    const expiresAt = parseInt(match[1], 36);
    if (!(expiresAt > now)) {
      return false;
    }
    const given = Buffer.from(match[2], 'base64url');
    return this.options.secrets.some((secret) =>
      timingSafeEqual(given, Buffer.from(this.mac(secret, handle, bindingId, expiresAt), 'base64url')),
    );
  }

  /** Whether one of the request's cookies of this name verifies. */
  presentIn(cookieHeader: string | undefined, handle: string, bindingId: string, now: number): boolean {
    return cookieValuesOf(cookieHeader, this.dbsc.cookieName).some((value) =>
      this.verify(value, handle, bindingId, now),
    );
  }

  /** The `Set-Cookie` header for `value`: the session cookie's Path, Secure, HttpOnly, SameSite; no Domain. */
  setCookie(value: string): string {
    const { path, secure, httpOnly, sameSite } = this.options.cookie;
    const maxAge = Math.floor(this.dbsc.cookieLifetime / 1000);
    return serializeCookie(this.dbsc.cookieName, value, { path, secure, httpOnly, sameSite, maxAge });
  }

  /**
   * The cookie's attributes as the session instructions' `credentials[].attributes` must state them:
   * the browser compares them with the cookie it holds, and refreshes forever if they differ.
   */
  attributes(): string {
    const { path, secure, httpOnly, sameSite } = this.options.cookie;
    const sameSiteValue = sameSite.charAt(0).toUpperCase() + sameSite.slice(1);
    return [`Path=${path}`, secure && 'Secure', httpOnly && 'HttpOnly', `SameSite=${sameSiteValue}`]
      .filter(Boolean)
      .join('; ');
  }

  get name(): string {
    return this.dbsc.cookieName;
  }

  private mac(secret: string, handle: string, bindingId: string, expiresAt: number): string {
    return createHmac('sha256', secret).update(`dbsc\0${handle}\0${bindingId}\0${expiresAt}`).digest('base64url');
  }
}
