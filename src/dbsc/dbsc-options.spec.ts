import { expectFailure, resolve, SECRET } from '../module/session-options.fixture';

describe('the dbsc option', () => {
  it('is off unless given, and fills in its defaults', () => {
    expect(resolve().dbsc).toBeNull();
    expect(resolve({ dbsc: {} }).dbsc).toEqual({
      cookieLifetime: 600_000,
      cookieName: '__Host-sidb',
      registrationPath: '/dbsc/register',
      refreshPath: '/dbsc/refresh',
      challengeLifetime: 60_000,
      offerOnLogin: true,
      allowUnbound: false,
    });
  });

  it('names the cookie sidb beside a session cookie without the __Host- prefix', () => {
    expect(resolve({ dbsc: {}, cookie: { secure: false } }).dbsc?.cookieName).toBe('sidb');
    expect(resolve({ dbsc: {}, cookie: { name: 'app' } }).dbsc?.cookieName).toBe('sidb');
  });

  it.each([
    [{ dbsc: 'yes' }, /`dbsc` must be an object/],
    [{ dbsc: { cookieLifetime: 500 } }, /dbsc.cookieLifetime.*at least 1000/],
    [{ dbsc: { cookieLifetime: Infinity } }, /dbsc.cookieLifetime/],
    [{ dbsc: { challengeLifetime: 0 } }, /dbsc.challengeLifetime/],
    [{ dbsc: { offerOnLogin: 'no' } }, /dbsc.offerOnLogin/],
    [{ dbsc: { allowUnbound: 1 } }, /dbsc.allowUnbound/],
    [{ dbsc: { registrationPath: 'dbsc' } }, /dbsc.registrationPath/],
    [{ dbsc: { refreshPath: '/a"b' } }, /dbsc.refreshPath/],
    [{ dbsc: { refreshPath: '/dbsc/register' } }, /must differ/],
    [{ dbsc: { cookieName: '__Host-sid' } }, /must differ from the session cookie/],
    [{ dbsc: { cookieName: 'a b' } }, /not a valid cookie name/],
    [{ dbsc: { cookieName: '__Host-x' }, cookie: { secure: false } }, /needs cookie.secure/],
    [{ dbsc: { cookieName: '__Host-x' }, cookie: { name: 'sid', path: '/app' } }, /needs cookie.path/],
  ])('refuses %j, saying what to change', (options, message) => {
    expectFailure({ secret: SECRET, ...options }, message);
  });
});
