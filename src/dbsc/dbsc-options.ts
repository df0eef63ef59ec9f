import { SESSION_DEFAULTS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import type { SessionDbscOptions } from '../module/session-module-options.interface';

/** The `dbsc` option with its defaults applied. */
export type ResolvedDbscOptions = Required<SessionDbscOptions>;

/** What the short-lived cookie takes from the session cookie. */
interface SessionCookieAttributes {
  name: string;
  path: string;
  secure: boolean;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A path the registration header can carry in an sf-string, and Express and Fastify match literally. */
const ENDPOINT_PATH = /^\/[A-Za-z0-9\-._~/]*$/;
/** Under a second, `Max-Age` (whole seconds) would round the cookie away. */
const MIN_COOKIE_LIFETIME = 1000;

/** Validates `dbsc`; null when it is off (the option left out). */
export function resolveDbscOptions(
  dbsc: SessionDbscOptions | undefined,
  cookie: SessionCookieAttributes,
): ResolvedDbscOptions | null {
  if (dbsc === undefined) {
    return null;
  }
  if (dbsc === null || typeof dbsc !== 'object') {
    fail(`\`dbsc\` must be an object such as {} or { cookieLifetime: 600000 }; got ${JSON.stringify(dbsc)}.`);
  }
  const resolved: ResolvedDbscOptions = {
    cookieLifetime: dbsc.cookieLifetime ?? SESSION_DEFAULTS.dbscCookieLifetime,
    cookieName: dbsc.cookieName ?? defaultCookieName(cookie.name),
    registrationPath: dbsc.registrationPath ?? SESSION_DEFAULTS.dbscRegistrationPath,
    refreshPath: dbsc.refreshPath ?? SESSION_DEFAULTS.dbscRefreshPath,
    challengeLifetime: dbsc.challengeLifetime ?? SESSION_DEFAULTS.dbscChallengeLifetime,
    offerOnLogin: dbsc.offerOnLogin ?? SESSION_DEFAULTS.dbscOfferOnLogin,
    allowUnbound: dbsc.allowUnbound ?? SESSION_DEFAULTS.dbscAllowUnbound,
  };
  assertDuration('dbsc.cookieLifetime', resolved.cookieLifetime, MIN_COOKIE_LIFETIME);
  assertDuration('dbsc.challengeLifetime', resolved.challengeLifetime, 1);
  assertBoolean('dbsc.offerOnLogin', resolved.offerOnLogin);
  assertBoolean('dbsc.allowUnbound', resolved.allowUnbound);
  assertPath('dbsc.registrationPath', resolved.registrationPath);
  assertPath('dbsc.refreshPath', resolved.refreshPath);
  if (resolved.registrationPath === resolved.refreshPath) {
    fail('`dbsc.registrationPath` and `dbsc.refreshPath` must differ.');
  }
  assertCookieName(resolved.cookieName, cookie);
  return resolved;
}

/** `__Host-sidb` beside a `__Host-` session cookie (same guarantees), `sidb` otherwise. */
function defaultCookieName(sessionCookieName: string): string {
  const prefix = SESSION_DEFAULTS.hostCookiePrefix;
  const hostOnly = sessionCookieName.toLowerCase().startsWith(prefix.toLowerCase());
  return hostOnly ? `${prefix}${SESSION_DEFAULTS.dbscCookieName}` : SESSION_DEFAULTS.dbscCookieName;
}

function assertCookieName(name: unknown, cookie: SessionCookieAttributes): void {
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
    fail(`\`dbsc.cookieName\` "${String(name)}" is not a valid cookie name: use letters, digits and !#$%&'*+-.^_\`|~.`);
  }
  if (name === cookie.name) {
    fail(`\`dbsc.cookieName\` must differ from the session cookie's name "${cookie.name}".`);
  }
  const lower = name.toLowerCase();
  if ((lower.startsWith('__host-') || lower.startsWith('__secure-')) && !cookie.secure) {
    fail(`\`dbsc.cookieName\` "${name}" needs cookie.secure: true (browsers ignore a prefixed cookie without it).`);
  }
  if (lower.startsWith('__host-') && cookie.path !== '/') {
    fail(`\`dbsc.cookieName\` "${name}" needs cookie.path "/" (the __Host- prefix forbids other paths).`);
  }
}

function assertPath(name: string, value: unknown): void {
  if (typeof value !== 'string' || !ENDPOINT_PATH.test(value)) {
    fail(
      `\`${name}\` must be a path such as "/dbsc/register" (letters, digits, - . _ ~ /); got ${JSON.stringify(value)}.`,
    );
  }
}

function assertDuration(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    fail(`\`${name}\` must be a number of milliseconds, at least ${min}; got ${String(value)}.`);
  }
}

function assertBoolean(name: string, value: unknown): void {
  if (typeof value !== 'boolean') {
    fail(`\`${name}\` must be true or false; got ${JSON.stringify(value)}.`);
  }
}

function fail(message: string): never {
  throw new SessionConfigurationError(`SessionModule: ${message}`);
}
