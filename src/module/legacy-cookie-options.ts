import { SessionConfigurationError } from '../core/session.errors';
import type { SessionLegacyCookieOptions } from './session-module-options.interface';

/** The `legacyCookie` option with its defaults applied. */
export interface ResolvedLegacyCookieOptions {
  name: string;
  secrets: readonly string[];
  path: string;
  domain?: string;
}

/** express-session's default cookie name. */
const EXPRESS_SESSION_COOKIE = 'connect.sid';
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Validates `legacyCookie`; null when it is off (the option left out). `secrets` are the module's,
 * used when express-session's secret is not given apart.
 */
export function resolveLegacyCookieOptions(
  legacy: SessionLegacyCookieOptions | undefined,
  secrets: readonly string[],
  cookieName: string,
): ResolvedLegacyCookieOptions | null {
  if (legacy === undefined) {
    return null;
  }
  if (legacy === null || typeof legacy !== 'object') {
    fail(`\`legacyCookie\` must be an object such as { name: 'connect.sid' }; got ${JSON.stringify(legacy)}.`);
  }
  const { name = EXPRESS_SESSION_COOKIE, path = '/', domain } = legacy;
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
    fail(`\`legacyCookie.name\` ${JSON.stringify(name)} is not a valid cookie name.`);
  }
  if (name === cookieName) {
    fail(`\`legacyCookie.name\` "${name}" is the session cookie's own name: give this module's cookie another name.`);
  }
  if (typeof path !== 'string' || !path.startsWith('/')) {
    fail(
      `\`legacyCookie.path\` must be a path starting with "/" (express-session's \`cookie.path\`); got ${JSON.stringify(path)}.`,
    );
  }
  if (domain !== undefined && (typeof domain !== 'string' || domain === '')) {
    fail(
      `\`legacyCookie.domain\` must be express-session's \`cookie.domain\`, a non-empty string; got ${JSON.stringify(domain)}.`,
    );
  }
  return { name, secrets: resolveLegacySecrets(legacy.secret, secrets), path, domain };
}

function resolveLegacySecrets(secret: unknown, fallback: readonly string[]): readonly string[] {
  if (secret === undefined) {
    return fallback;
  }
  const secrets: unknown[] = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0 || secrets.some((value) => typeof value !== 'string' || value === '')) {
    fail("`legacyCookie.secret` must be express-session's `secret`: a non-empty string or an array of them.");
  }
  return secrets as string[];
}

function fail(message: string): never {
  throw new SessionConfigurationError(`SessionModule: ${message}`);
}
