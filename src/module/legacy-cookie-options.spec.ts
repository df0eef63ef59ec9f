import { expectFailure, OTHER_SECRET, resolve, SECRET } from './session-options.fixture';

describe('legacyCookie option', () => {
  it('is off unless given', () => {
    expect(resolve().legacyCookie).toBeNull();
  });

  it("defaults to express-session's cookie under the module's secret", () => {
    expect(resolve({ legacyCookie: {} }).legacyCookie).toEqual({
      name: 'connect.sid',
      secrets: [SECRET],
      path: '/',
      domain: undefined,
    });
  });

  it("takes express-session's own name, secrets (any length), path and domain", () => {
    const legacyCookie = { name: 'app.sid', secret: ['short', OTHER_SECRET], path: '/app', domain: 'example.com' };
    expect(resolve({ legacyCookie }).legacyCookie).toEqual({
      name: 'app.sid',
      secrets: ['short', OTHER_SECRET],
      path: '/app',
      domain: 'example.com',
    });
    expect(resolve({ legacyCookie: { secret: 'keyboard cat' } }).legacyCookie?.secrets).toEqual(['keyboard cat']);
  });

  it.each([
    ['not an object', 'connect.sid', /`legacyCookie` must be an object/],
    ['null', null, /`legacyCookie` must be an object/],
    ['an invalid name', { name: 'connect sid' }, /`legacyCookie.name` "connect sid" is not a valid cookie name/],
    ['an empty secret', { secret: '' }, /`legacyCookie.secret`/],
    ['an empty secret array', { secret: [] }, /`legacyCookie.secret`/],
    ['a relative path', { path: 'app' }, /`legacyCookie.path`/],
    ['an empty domain', { domain: '' }, /`legacyCookie.domain`/],
  ])('refuses %s', (_label, legacyCookie, pattern) => {
    expectFailure({ secret: SECRET, legacyCookie }, pattern);
  });

  it("refuses the session cookie's own name", () => {
    expectFailure(
      { secret: SECRET, cookie: { name: 'sid', secure: false }, legacyCookie: { name: 'sid' } },
      /own name/,
    );
  });
});
