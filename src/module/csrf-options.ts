import { SESSION_DEFAULTS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import type { SessionCsrfOptions } from './session-module-options.interface';

/** The `csrf` option with its defaults applied; `header` lower-cased, as Node names request headers. */
export interface ResolvedCsrfOptions {
  /** False only with `csrf: false`: `SessionCsrfGuard`, wherever registered, then checks nothing. */
  enabled: boolean;
  header: string;
  field: string;
}

/** An HTTP header name (RFC 9110 `token`). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Validates `csrf`: `true`, left out or an object: checks on; `false`: off. */
export function resolveCsrfOptions(csrf: boolean | SessionCsrfOptions | undefined): ResolvedCsrfOptions {
  if (typeof csrf === 'boolean' || csrf === undefined) {
    return { enabled: csrf !== false, header: SESSION_DEFAULTS.csrfHeader, field: SESSION_DEFAULTS.csrfField };
  }
  if (csrf === null || typeof csrf !== 'object') {
    fail(`\`csrf\` must be true, false or { header?, field? }; got ${JSON.stringify(csrf)}.`);
  }
  const { header = SESSION_DEFAULTS.csrfHeader, field = SESSION_DEFAULTS.csrfField } = csrf;
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) {
    fail(`\`csrf.header\` must be an HTTP header name such as "x-csrf-token"; got ${JSON.stringify(header)}.`);
  }
  if (typeof field !== 'string' || field === '') {
    fail(`\`csrf.field\` must be a non-empty field name such as "_csrf"; got ${JSON.stringify(field)}.`);
  }
  return { enabled: true, header: header.toLowerCase(), field };
}

function fail(message: string): never {
  throw new SessionConfigurationError(`SessionModule: ${message}`);
}
