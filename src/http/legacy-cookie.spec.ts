import { createHmac } from 'node:crypto';
import { LegacySessionCookie } from './legacy-cookie';

const SECRET = 'keyboard cat';
const OLD_SECRET = 'an older secret';
/** What express-session sets: `s:` and cookie-signature's signature (base64, no padding), URL-encoded. */
const expressCookie = (id: string, secret = SECRET) =>
  `connect.sid=${encodeURIComponent(`s:${id}.${createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '')}`)}`;

describe('LegacySessionCookie', () => {
  const legacy = new LegacySessionCookie({ name: 'connect.sid', secrets: [SECRET, OLD_SECRET], path: '/' });

  it("reads express-session's ID, under any of its secrets, IDs with dots included", () => {
    expect(legacy.read(expressCookie('abc-DEF_123'))).toEqual({ present: true, id: 'abc-DEF_123' });
    expect(legacy.read(`a=1; ${expressCookie('v1.user.42', OLD_SECRET)}`)).toEqual({ present: true, id: 'v1.user.42' });
  });

  it('takes the first value that verifies when several come', () => {
    expect(legacy.read(`connect.sid=s%3Aforged.sig; ${expressCookie('real')}`)).toEqual({ present: true, id: 'real' });
  });

  it.each([
    ['another secret', expressCookie('abc', 'not the secret')],
    ['no s: prefix', 'connect.sid=abc.c2ln'],
    ['no signature', 'connect.sid=s%3Aabc'],
    ['an empty ID', expressCookie('')],
    ['padding kept', `${expressCookie('abc')}%3D`],
    ['a flipped signature byte', expressCookie('abc').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
    ['an over-long ID', expressCookie('x'.repeat(257))],
    ['bad percent-encoding', 'connect.sid=s%3A%ZZ.abc'],
  ])('refuses a value with %s', (_label, header) => {
    expect(legacy.read(header)).toEqual({ present: true, id: null });
  });

  it('reports no cookie when none of its name came', () => {
    expect(legacy.read('sid=abc; connect.sidx=s%3Aa.b')).toEqual({ present: false, id: null });
    expect(legacy.read(undefined)).toEqual({ present: false, id: null });
  });

  it('clears the cookie on its path and domain', () => {
    const scoped = new LegacySessionCookie({ name: 'app.sid', secrets: [SECRET], path: '/app', domain: 'example.com' });
    expect(scoped.clearHeader()).toBe('app.sid=; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  });
});
