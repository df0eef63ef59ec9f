import { expectFailure, resolve, SECRET } from './session-options.fixture';

describe('the csrf option', () => {
  it('defaults to checking header x-csrf-token, then body field _csrf', () => {
    expect(resolve().csrf).toEqual({ enabled: true, header: 'x-csrf-token', field: '_csrf' });
    expect(resolve({ csrf: true }).csrf).toEqual({ enabled: true, header: 'x-csrf-token', field: '_csrf' });
  });

  it('turns the guard off with false', () => {
    expect(resolve({ csrf: false }).csrf.enabled).toBe(false);
  });

  it('takes other names, the header lower-cased as Node names request headers', () => {
    expect(resolve({ csrf: { header: 'X-XSRF-Token', field: 'token' } }).csrf).toEqual({
      enabled: true,
      header: 'x-xsrf-token',
      field: 'token',
    });
    expect(resolve({ csrf: { field: 'token' } }).csrf.header).toBe('x-csrf-token');
  });

  it('refuses what it cannot use, saying what to change', () => {
    expectFailure({ secret: SECRET, csrf: 'yes' }, '`csrf`', 'true, false or { header?, field? }');
    expectFailure({ secret: SECRET, csrf: null }, '`csrf`');
    expectFailure({ secret: SECRET, csrf: { header: 'x csrf' } }, '`csrf.header`', 'x-csrf-token');
    expectFailure({ secret: SECRET, csrf: { field: '' } }, '`csrf.field`', '_csrf');
  });
});
