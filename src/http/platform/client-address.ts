import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';
import { SessionConfigurationError } from '../../core/session.errors';
import type { SessionHttpRequest } from './http-platform';

/** Whether the address at `hop` (0: the socket's peer, 1: the rightmost `X-Forwarded-For` entry...) is a proxy to believe. */
export type ProxyTrust = (address: string, hop: number) => boolean;

const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const WHAT_TO_GIVE =
  "give the proxies to believe: 'loopback', 'linklocal', 'uniquelocal', addresses or CIDRs (a comma-separated string or an array), a number of hops, or a function (address, hop) => boolean";

/**
 * Validates the `trustProxy` option once, at start-up, and compiles it into a trust function
 * (null: no proxy is trusted, the client is the socket's peer). `true` is refused: it would believe
 * whatever `X-Forwarded-For` a client writes.
 */
export function compileProxyTrust(option: unknown): ProxyTrust | null {
  if (option === undefined || option === false) {
    return null;
  }
  if (option === true) {
    fail(
      '`trustProxy: true` would believe any client: whoever sends `X-Forwarded-For` could pick their IP address. ' +
        `Instead, ${WHAT_TO_GIVE}. Behind one proxy on the same host, \`'loopback'\` (or \`1\`) is the usual choice.`,
    );
  }
  if (typeof option === 'function') {
    return option as ProxyTrust;
  }
  if (typeof option === 'number') {
    return compileHopCount(option);
  }
  if (typeof option === 'string' || Array.isArray(option)) {
    return compileAddressList(typeof option === 'string' ? option.split(',') : option);
  }
  return fail(`\`trustProxy\` ${JSON.stringify(option)} is not understood: ${WHAT_TO_GIVE}.`);
}

function compileHopCount(hops: number): ProxyTrust | null {
  if (!Number.isInteger(hops) || hops < 0) {
    fail(`\`trustProxy\` ${hops} is not a number of hops: give a whole number, 0 or more.`);
  }
  return hops === 0 ? null : (_address, hop) => hop < hops;
}

function compileAddressList(entries: readonly unknown[]): ProxyTrust | null {
  const list = entries
    .map((entry) => (typeof entry === 'string' ? entry.trim() : entry))
    .filter((entry) => entry !== '');
  for (const entry of list) {
    if (typeof entry !== 'string' || !isTrustEntry(entry)) {
      fail(
        `\`trustProxy\` entry ${JSON.stringify(entry)} is not an IP address, a CIDR or one of ${RANGE_NAMES.join(', ')}.`,
      );
    }
  }
  return list.length === 0 ? null : proxyAddr.compile(list as string[]);
}

function isTrustEntry(entry: string): boolean {
  try {
    proxyAddr.compile(entry);
    return true;
  } catch {
    return false;
  }
}

/**
 * The client's IP address: the socket's peer, or, when `trust` believes it, the rightmost
 * `X-Forwarded-For` address that is not a trusted proxy (what proxy-addr, and so Express, answers).
 * Read from the socket and the headers only, never from the platform's `request.ip`, so Express
 * and Fastify agree whatever their own proxy settings. Null when that address is not a valid IP.
 */
export function clientAddress(request: SessionHttpRequest, trust: ProxyTrust | null): string | null {
  const peer = request.socket?.remoteAddress;
  if (!peer) {
    return null;
  }
  if (trust === null) {
    return canonicalIp(peer);
  }
  const header = request.headers['x-forwarded-for'];
  // proxy-addr reads nothing but these two fields, and expects the header as one string.
  const forwarded = {
    headers: { 'x-forwarded-for': Array.isArray(header) ? header.join(',') : header },
    socket: { remoteAddress: peer },
  } as unknown as IncomingMessage;
  return canonicalIp(proxyAddr(forwarded, trust));
}

/**
 * The address in one spelling (so `bind.ip` compares like with like): IPv4 as is, IPv6 lowercase
 * and compressed, IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as IPv4. Null for anything that is not an IP.
 */
export function canonicalIp(address: string | undefined): string | null {
  const version = address === undefined ? 0 : isIP(address);
  if (version === 4) {
    return address!;
  }
  if (version !== 6) {
    return null;
  }
  const [bare, zone] = address!.split('%', 2);
  // The WHATWG URL parser writes IPv6 in its canonical form (RFC 5952), mapped IPv4 as two hex groups.
  const canonical = new URL(`http://[${bare}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  }
  return zone === undefined ? canonical : `${canonical}%${zone}`;
}

function fail(message: string): never {
  throw new SessionConfigurationError(`SessionModule: ${message}`);
}
