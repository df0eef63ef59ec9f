import { resolveSessionOptions } from '../module/session-options';
import { DeviceCookie } from './device-cookie';

const SECRET = 'a-secret-of-at-least-32-characters!!';
const NEW_SECRET = 'a-newer-secret-of-at-least-32-characters';

function deviceCookie(secret: string | string[] = SECRET, cookie = {}, dbsc = {}) {
  return new DeviceCookie(resolveSessionOptions({ secret, cookie, dbsc }));
}

describe('DeviceCookie (the short-lived DBSC cookie)', () => {
  const now = 1_700_000_000_000;
  const cookie = deviceCookie();
  const value = cookie.issue('handle-1', 'binding-1', now);

  it('verifies for its session and binding until it expires', () => {
    expect(cookie.verify(value, 'handle-1', 'binding-1', now)).toBe(true);
    expect(cookie.verify(value, 'handle-1', 'binding-1', now + 599_999)).toBe(true);
    expect(cookie.verify(value, 'handle-1', 'binding-1', now + 600_000)).toBe(false);
  });

  it('is refused for another session or another binding', () => {
    expect(cookie.verify(value, 'handle-2', 'binding-1', now)).toBe(false);
    expect(cookie.verify(value, 'handle-1', 'binding-2', now)).toBe(false);
  });

  it('is refused when tampered with: a later expiry, a changed MAC, garbage', () => {
    const [expiry, mac] = value.split('.');
    const later = (parseInt(expiry, 36) + 3_600_000).toString(36);
    expect(cookie.verify(`${later}.${mac}`, 'handle-1', 'binding-1', now)).toBe(false);
    const flipped = mac.slice(0, 10) + (mac[10] === 'A' ? 'B' : 'A') + mac.slice(11);
    expect(cookie.verify(`${expiry}.${flipped}`, 'handle-1', 'binding-1', now)).toBe(false);
    for (const garbage of ['', '.', 'abc', `${expiry}.`, `${expiry}.${mac}x`, `-1.${mac}`, `${expiry}.${mac}.x`]) {
      expect(cookie.verify(garbage, 'handle-1', 'binding-1', now)).toBe(false);
    }
  });

  it('keeps verifying while its secret is rotated out, and not once it is dropped', () => {
    expect(deviceCookie([NEW_SECRET, SECRET]).verify(value, 'handle-1', 'binding-1', now)).toBe(true);
    expect(deviceCookie(NEW_SECRET).verify(value, 'handle-1', 'binding-1', now)).toBe(false);
    const rotated = deviceCookie([NEW_SECRET, SECRET]).issue('handle-1', 'binding-1', now);
    expect(deviceCookie(NEW_SECRET).verify(rotated, 'handle-1', 'binding-1', now)).toBe(true);
  });

  it('is found among the request cookies, whichever of several of its name verifies', () => {
    expect(cookie.presentIn(`__Host-sidb=forged; a=b; __Host-sidb=${value}`, 'handle-1', 'binding-1', now)).toBe(true);
    expect(cookie.presentIn('__Host-sidb=forged', 'handle-1', 'binding-1', now)).toBe(false);
    expect(cookie.presentIn(undefined, 'handle-1', 'binding-1', now)).toBe(false);
  });

  it("has the session cookie's attributes and none other, stated exactly as it is set", () => {
    expect(cookie.name).toBe('__Host-sidb');
    expect(cookie.setCookie(value)).toBe(`__Host-sidb=${value}; Max-Age=600; Path=/; HttpOnly; Secure; SameSite=Lax`);
    expect(cookie.attributes()).toBe('Path=/; Secure; HttpOnly; SameSite=Lax');
    const plain = deviceCookie(
      SECRET,
      { secure: false, path: '/app', sameSite: 'strict', domain: 'example.com' },
      { cookieLifetime: 300_000 },
    );
    expect(plain.name).toBe('sidb');
    expect(plain.setCookie('v')).toBe('sidb=v; Max-Age=300; Path=/app; HttpOnly; SameSite=Strict');
    expect(plain.attributes()).toBe('Path=/app; HttpOnly; SameSite=Strict');
  });
});
