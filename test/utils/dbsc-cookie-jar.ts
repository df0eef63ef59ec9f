import { parseSetCookie } from 'cookie';

interface StoredCookie {
  value: string;
  /** Epoch ms after which the browser no longer sends it; undefined: a browser-session cookie. */
  expiresAt?: number;
}

/**
 * A browser's cookies for one origin, reduced to what the DBSC tests need: it takes every
 * `Set-Cookie` (a cleared or already expired cookie is dropped), honours `Max-Age` and `Expires`
 * when building the `Cookie` header, and lets a test drop, plant or copy cookies.
 * Path, Domain and Secure are not applied: the sample sets every cookie on `/` of one host, and
 * the tests talk plain HTTP to 127.0.0.1 as a browser does to a trustworthy localhost.
 */
export class DbscCookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  /** Applies the `Set-Cookie` lines of a response received at `now`. */
  take(setCookies: readonly string[], now = Date.now()): void {
    for (const line of setCookies) {
      const cookie = parseSetCookie(line);
      const expiresAt =
        cookie.maxAge !== undefined
          ? now + cookie.maxAge * 1000
          : cookie.expires
            ? cookie.expires.getTime()
            : undefined;
      if (!cookie.value || (expiresAt !== undefined && expiresAt <= now)) {
        this.cookies.delete(cookie.name);
      } else {
        this.cookies.set(cookie.name, { value: cookie.value, expiresAt });
      }
    }
  }

  /** The `Cookie` request header at `now` (expired cookies left out), or undefined when there is none. */
  header(now = Date.now()): string | undefined {
    const pairs = [...this.cookies]
      .filter(([, cookie]) => cookie.expiresAt === undefined || cookie.expiresAt > now)
      .map(([name, cookie]) => `${name}=${cookie.value}`);
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  /** The value held for `name`, expired or not. */
  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  /** Plants a cookie (no expiry): e.g. an old value the browser would have dropped, or a forged one. */
  set(name: string, value: string): void {
    this.cookies.set(name, { value });
  }

  delete(name: string): void {
    this.cookies.delete(name);
  }

  /** Another jar holding the same cookies (a copied profile, a thief). */
  clone(): DbscCookieJar {
    const copy = new DbscCookieJar();
    this.cookies.forEach((cookie, name) => copy.cookies.set(name, { ...cookie }));
    return copy;
  }
}

/**
 * The attributes of a `Set-Cookie` line or a DBSC `attributes` string that the browser compares
 * ("Domain, Path, Secure, HttpOnly, SameSite"), normalised: lower-case names (and SameSite value),
 * sorted. The cookie's own `name=value` pair, `Max-Age` and `Expires` are left out.
 */
export function comparedAttributes(text: string, hasNameValue: boolean): string[] {
  const parts = text.split(';').map((part) => part.trim());
  return parts
    .slice(hasNameValue ? 1 : 0)
    .filter(Boolean)
    .map((part) => {
      const [rawName, ...rest] = part.split('=');
      const name = rawName.trim().toLowerCase();
      const value = rest.join('=').trim();
      // Attribute names and SameSite's value are case-insensitive (RFC 6265bis); a Path is not.
      return rest.length === 0 ? name : `${name}=${name === 'samesite' ? value.toLowerCase() : value}`;
    })
    .filter((part) => !/^(max-age|expires)(=|$)/.test(part))
    .sort();
}
