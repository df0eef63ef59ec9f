import { createHmac, timingSafeEqual } from 'node:crypto';
import { serialize as serializeCookie } from 'cookie';
import type { ResolvedLegacyCookieOptions } from '../module/legacy-cookie-options';
import { cookieValuesOf } from './platform/cookie-values';

/** Longest express-session ID looked at: its own are 32 characters, a custom `genid` rarely much more. */
const MAX_LEGACY_ID_LENGTH = 256;

/** What a request's `Cookie` header says about express-session's cookie. */
export interface LegacyCookieReading {
  /** At least one cookie of the legacy name came (the response then clears it). */
  present: boolean;
  /** The express-session ID of the first that verifies, or null. */
  id: string | null;
}

/**
 * express-session's cookie, `s:<id>.<signature>`: cookie-signature's HMAC-SHA256 of the ID in
 * base64 without padding. Read so that a session copied from connect-pg-simple finds its user on
 * first use; cleared on every response to a request that sent it.
 */
export class LegacySessionCookie {
  private readonly keys: readonly Buffer[];

  constructor(private readonly options: ResolvedLegacyCookieOptions) {
    this.keys = options.secrets.map((secret) => Buffer.from(secret, 'utf8'));
  }

  read(cookieHeader: string | undefined): LegacyCookieReading {
    const values = cookieValuesOf(cookieHeader, this.options.name);
    const id = values.map((value) => this.verify(value)).find((result) => result !== null) ?? null;
    return { present: values.length > 0, id };
  }

  /** The `Set-Cookie` that removes the legacy cookie from the browser. */
  clearHeader(): string {
    const { name, path, domain } = this.options;
    return serializeCookie(name, '', { path, domain, expires: new Date(0) });
  }

  /** The ID inside `s:<id>.<signature>`, or null when the value is malformed or no secret signed it. */
  private verify(value: string): string | null {
    const dot = value.lastIndexOf('.');
    if (!value.startsWith('s:') || dot <= 2 || dot - 2 > MAX_LEGACY_ID_LENGTH) {
      return null;
    }
    const id = value.slice(2, dot);
    const given = Buffer.from(value.slice(dot + 1), 'utf8');
    for (const key of this.keys) {
      const expected = Buffer.from(createHmac('sha256', key).update(id).digest('base64').replace(/=+$/, ''), 'utf8');
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        return id;
      }
    }
    return null;
  }
}
