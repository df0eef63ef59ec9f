import { SESSION_DEFAULTS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import { SESSION_TRANSPORT_KINDS, type SessionTransportKind } from '../http/session-transport.decorator';

/** The header transport's options once resolved. */
export interface ResolvedTransportOptions {
  transport: SessionTransportKind;
  tokenHeader: string;
}

/** An HTTP field name (RFC 9110 `token`). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers that already mean something else: the token must not be mistaken for (or overwrite) them. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'cache-control',
  'set-cookie',
  'cookie',
  'content-type',
  'content-length',
]);

/** `transport` and `tokenHeader`, defaulted and validated; every failure says what to change. */
export function resolveTransportOptions(transport: unknown, tokenHeader: unknown): ResolvedTransportOptions {
  const resolved = {
    transport: transport ?? SESSION_DEFAULTS.transport,
    tokenHeader: tokenHeader ?? SESSION_DEFAULTS.tokenHeader,
  };
  if (!SESSION_TRANSPORT_KINDS.includes(resolved.transport as SessionTransportKind)) {
    fail(`\`transport\` "${String(transport)}" is unknown: use one of ${SESSION_TRANSPORT_KINDS.join(', ')}.`);
  }
  if (typeof resolved.tokenHeader !== 'string' || !HEADER_NAME.test(resolved.tokenHeader)) {
    fail(`\`tokenHeader\` ${JSON.stringify(tokenHeader)} is not a header name: use letters, digits and -.`);
  }
  if (RESERVED_HEADERS.has(resolved.tokenHeader.toLowerCase())) {
    fail(`\`tokenHeader\` "${resolved.tokenHeader}" is a standard header: pick another name, e.g. "Session-Token".`);
  }
  return resolved as ResolvedTransportOptions;
}

function fail(message: string): never {
  throw new SessionConfigurationError(`SessionModule: ${message}`);
}
