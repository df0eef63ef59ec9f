import { SessionConfigurationError } from '../../core/session.errors';
import { canonicalIp, clientAddress, compileProxyTrust } from './client-address';
import type { SessionHttpRequest } from './http-platform';

/** A request from `peer` carrying this `X-Forwarded-For` (none when undefined). */
function from(peer: string | undefined, forwardedFor?: string | string[]): SessionHttpRequest {
  return { headers: { 'x-forwarded-for': forwardedFor }, socket: { remoteAddress: peer } };
}

function clientOf(request: SessionHttpRequest, trustProxy: unknown): string | null {
  return clientAddress(request, compileProxyTrust(trustProxy));
}

describe('compileProxyTrust', () => {
  it.each([undefined, false, 0, '', [], ' , '])('trusts no proxy for %p', (option) => {
    expect(compileProxyTrust(option)).toBeNull();
  });

  it('refuses true, saying it would believe any client and what to give instead', () => {
    expect(() => compileProxyTrust(true)).toThrow(SessionConfigurationError);
    expect(() => compileProxyTrust(true)).toThrow(/would believe any client.*'loopback'.*number of hops/s);
  });

  it.each([
    ['a host name', 'proxy.internal', /entry "proxy.internal" is not an IP address, a CIDR or one of loopback/],
    ['a bad CIDR', '10.0.0.0/33', /entry "10.0.0.0\/33"/],
    ['a bad entry in a list', ['loopback', 'localhost'], /entry "localhost"/],
    ['a non-string entry', ['10.0.0.1', 7], /entry 7/],
    ['a negative hop count', -1, /-1 is not a number of hops/],
    ['a fractional hop count', 1.5, /1.5 is not a number of hops/],
    ['an object', { ip: '10.0.0.1' }, /is not understood/],
  ])('refuses %s', (_what, option, message) => {
    expect(() => compileProxyTrust(option)).toThrow(SessionConfigurationError);
    expect(() => compileProxyTrust(option)).toThrow(message);
  });

  it('understands the named ranges, addresses and CIDRs, as a comma-separated string or an array', () => {
    for (const option of ['loopback, linklocal, uniquelocal', ['127.0.0.1', '169.254.0.0/16', '10.0.0.0/8']]) {
      const trust = compileProxyTrust(option)!;
      expect(['127.0.0.1', '169.254.1.1', '10.1.2.3'].map((address) => trust(address, 0))).toEqual([true, true, true]);
      expect(trust('198.51.100.7', 0)).toBe(false);
    }
  });

  it('trusts a hop count from the socket outwards', () => {
    const trust = compileProxyTrust(2)!;
    expect([0, 1, 2].map((hop) => trust('198.51.100.7', hop))).toEqual([true, true, false]);
  });

  it('takes a function as it is', () => {
    const trust = (address: string) => address === '10.0.0.1';
    expect(compileProxyTrust(trust)).toBe(trust);
  });
});

describe('clientAddress', () => {
  it('takes the socket address and ignores X-Forwarded-For when no proxy is trusted', () => {
    expect(clientOf(from('10.0.0.1', '198.51.100.7'), false)).toBe('10.0.0.1');
  });

  it('takes the rightmost address that is not trusted, not the one the client wrote first', () => {
    const request = from('127.0.0.1', '192.0.2.66, 198.51.100.7, 10.0.0.2');
    expect(clientOf(request, 'loopback')).toBe('10.0.0.2');
    expect(clientOf(request, 'loopback, uniquelocal')).toBe('198.51.100.7');
    expect(clientOf(request, 2)).toBe('198.51.100.7');
    expect(clientOf(request, (address: string) => address !== '198.51.100.7')).toBe('198.51.100.7');
  });

  it('takes the socket address when the socket is not a trusted proxy, whatever the header says', () => {
    expect(clientOf(from('203.0.113.66', '198.51.100.7'), 'loopback')).toBe('203.0.113.66');
  });

  it('takes the leftmost address when every hop is trusted, and the socket address without a header', () => {
    expect(clientOf(from('127.0.0.1', '10.0.0.1, 10.0.0.2'), 'loopback, uniquelocal')).toBe('10.0.0.1');
    expect(clientOf(from('127.0.0.1'), 'loopback')).toBe('127.0.0.1');
  });

  it('reads several X-Forwarded-For header lines as one list', () => {
    expect(clientOf(from('127.0.0.1', ['192.0.2.66', '198.51.100.7']), 'loopback')).toBe('198.51.100.7');
  });

  it.each(['not-an-ip', 'unknown', '999.1.2.3', '198.51.100.07', '198.51.100.7:443', '[::1]', '1.2.3.4/8'])(
    'never answers the invalid address %p',
    (invalid) => {
      expect(clientOf(from('127.0.0.1', `198.51.100.7, ${invalid}`), 'loopback')).toBeNull();
      expect(clientOf(from('127.0.0.1', `198.51.100.7, ${invalid}`), 1)).toBeNull();
    },
  );

  it('has no address for a request without a socket address', () => {
    expect(clientOf(from(undefined, '198.51.100.7'), 'loopback')).toBeNull();
    expect(clientOf(from(undefined), false)).toBeNull();
  });

  it('writes IPv4-mapped IPv6 addresses as IPv4, from the socket and from the header', () => {
    expect(clientOf(from('::ffff:127.0.0.1', '::ffff:198.51.100.7'), 'loopback')).toBe('198.51.100.7');
    expect(clientOf(from('::ffff:10.0.0.1'), false)).toBe('10.0.0.1');
  });
});

describe('canonicalIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:c633:6407', '198.51.100.7'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::1', '::1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
  ])('writes %p as %p', (address, canonical) => {
    expect(canonicalIp(address)).toBe(canonical);
  });

  it.each([undefined, '', 'localhost', '1.2.3', '1.2.3.4.5', '::ffff:1.2.3.4.5', '1:2:3'])(
    'has no address for %p',
    (address) => {
      expect(canonicalIp(address)).toBeNull();
    },
  );
});
