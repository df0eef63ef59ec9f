import { SessionConfigurationError } from '../core/session.errors';
import { resolveTransportOptions } from './transport-options';

describe('resolveTransportOptions', () => {
  it('defaults to cookies and the Session-Token header', () => {
    expect(resolveTransportOptions(undefined, undefined)).toEqual({
      transport: 'cookie',
      tokenHeader: 'Session-Token',
    });
  });

  it('keeps valid values', () => {
    expect(resolveTransportOptions('both', 'X-Auth-Token')).toEqual({ transport: 'both', tokenHeader: 'X-Auth-Token' });
  });

  it.each([['tokens'], [''], [true]])('refuses transport %j', (transport) => {
    expect(() => resolveTransportOptions(transport, undefined)).toThrow(SessionConfigurationError);
    expect(() => resolveTransportOptions(transport, undefined)).toThrow(/transport.*cookie, header, both/);
  });

  it.each([[''], ['Session Token'], ['a:b'], [42], ['Set-Cookie'], ['authorization'], ['Cache-Control']])(
    'refuses tokenHeader %j',
    (name) => {
      expect(() => resolveTransportOptions(undefined, name)).toThrow(/tokenHeader/);
    },
  );
});
