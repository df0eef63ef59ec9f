import { bearerTokenOf } from './bearer-token';

const TOKEN = `${'a'.repeat(43)}.${'B'.repeat(43)}`;

describe('bearerTokenOf', () => {
  it.each([
    [`Bearer ${TOKEN}`, TOKEN],
    [`bearer ${TOKEN}`, TOKEN],
    [`BEARER   ${TOKEN}  `, TOKEN],
    ['Bearer abc+/=', 'abc+/='],
  ])('reads the token of %j', (header, token) => {
    expect(bearerTokenOf(header)).toEqual({ present: true, token });
  });

  it.each([
    ['Bearer'],
    ['Bearer '],
    ['Bearer two tokens'],
    ['Bearer tok\u00e9n'],
    ['Bearer ="'],
    [`Bearer ${'x'.repeat(2000)}`],
    [['Bearer a', 'Bearer b']],
  ])('reads a Bearer credential without a token from %j', (header) => {
    expect(bearerTokenOf(header)).toEqual({ present: true, token: null });
  });

  it.each([
    [undefined],
    [''],
    ['Basic dXNlcjpwYXNz'],
    [`Bearer${TOKEN}`],
    ['Token abc'],
    [['Basic a']],
    [`${'x'.repeat(5000)}`],
  ])('finds no Bearer credential in %j', (header) => {
    expect(bearerTokenOf(header)).toEqual({ present: false, token: null });
  });
});
