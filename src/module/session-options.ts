import { SESSION_DEFAULTS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import { compileProxyTrust, type ProxyTrust } from '../http/platform/client-address';
import { resolveEncryptionOptions, type ResolvedEncryptionOptions } from '../encryption/encryption-options';
import { resolveCacheOptions, type ResolvedCacheOptions } from './cache-options';
import { resolveCsrfOptions, type ResolvedCsrfOptions } from './csrf-options';
import { resolveAssuranceTimeouts, type AssuranceTimeoutProfile } from '../core/assurance-timeouts';
import { resolveLegacyCookieOptions, type ResolvedLegacyCookieOptions } from './legacy-cookie-options';
import { resolveTransportOptions, type ResolvedTransportOptions } from './transport-options';
import { resolveDbscOptions, type ResolvedDbscOptions } from '../dbsc/dbsc-options';
import type {
  SessionClearSiteDataType,
  SessionLimitPolicy,
  SessionModuleOptions,
  SessionSameSite,
  SessionTenantResolver,
} from './session-module-options.interface';

/** Options after defaults are applied and validation passed. */
export interface ResolvedSessionOptions {
  secrets: readonly string[];
  cookie: {
    name: string;
    path: string;
    domain?: string;
    httpOnly: boolean;
    secure: boolean;
    sameSite: SessionSameSite;
  };
  clearSiteData: readonly SessionClearSiteDataType[];
  idleTimeout: number;
  absoluteTimeout: number;
  rolling: boolean;
  saveUninitialized: boolean;
  maxSessionBytes: number;
  cleanupInterval: number;
  cleanupBatchSize: number;
  storeTimeout: number;
  /** Which proxies' `X-Forwarded-For` to believe; null: none, the client is the socket's peer. */
  trustProxy: ProxyTrust | null;
  renewAfter: number | null;
  renewalGracePeriod: number;
  bind: { ip: boolean; userAgent: boolean };
  tenant: SessionTenantResolver | null;
  maxSessionsPerUser: number | null;
  sessionLimitPolicy: SessionLimitPolicy;
  /** The session cache, or null when it is off. */
  cache: ResolvedCacheOptions | null;
  /** Whether live connections are closed when their session ends. */
  liveConnections: boolean;
  /** Encryption at rest of session values, or null when it is off. */
  encryption: ResolvedEncryptionOptions | null;
  /** How recent a proof `@RequireFresh()` without a value asks for. */
  freshAge: number;
  /** Timeout profiles by assurance level; empty when none. */
  assuranceTimeouts: ReadonlyMap<string, AssuranceTimeoutProfile>;
  /** Where `SessionCsrfGuard` reads the token, and whether it checks at all. */
  csrf: ResolvedCsrfOptions;
  /** Whether the store is checked once at start-up. */
  checkStoreOnStart: boolean;
  /** express-session's cookie, accepted on first use; null when off. */
  legacyCookie: ResolvedLegacyCookieOptions | null;
  /** How routes without `@SessionTransport()` carry the session. */
  transport: ResolvedTransportOptions['transport'];
  /** The response header that brings header-transport clients their new token. */
  tokenHeader: string;
  /** Device Bound Session Credentials, or null when off. */
  dbsc: ResolvedDbscOptions | null;
}

const LIMIT_POLICIES: readonly SessionLimitPolicy[] = ['evict-oldest', 'refuse'];

const CLEAR_SITE_DATA_TYPES: readonly unknown[] = ['cookies', 'storage'] satisfies SessionClearSiteDataType[];

const SAME_SITE_VALUES: readonly SessionSameSite[] = ['lax', 'strict', 'none'];
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Applies the defaults and validates; every failure says what to change. */
export function resolveSessionOptions(options: Omit<SessionModuleOptions, 'store'>): ResolvedSessionOptions {
  if (!options || typeof options !== 'object') {
    fail('SessionModule needs an options object with at least a `secret`.');
  }
  const cookie = options.cookie ?? {};
  const secure = cookie.secure ?? SESSION_DEFAULTS.cookieSecure;
  const path = cookie.path ?? SESSION_DEFAULTS.cookiePath;
  const resolved: ResolvedSessionOptions = {
    secrets: resolveSecrets(options.secret),
    cookie: {
      name: cookie.name ?? defaultCookieName(secure, path, cookie.domain),
      path,
      domain: cookie.domain,
      httpOnly: cookie.httpOnly ?? SESSION_DEFAULTS.httpOnly,
      secure,
      sameSite: resolveSameSite(cookie.sameSite),
    },
    clearSiteData: resolveClearSiteData(options.clearSiteData),
    idleTimeout: positive('idleTimeout', options.idleTimeout, SESSION_DEFAULTS.idleTimeout),
    absoluteTimeout: positive('absoluteTimeout', options.absoluteTimeout, SESSION_DEFAULTS.absoluteTimeout),
    rolling: options.rolling ?? SESSION_DEFAULTS.rolling,
    saveUninitialized: options.saveUninitialized ?? SESSION_DEFAULTS.saveUninitialized,
    maxSessionBytes: positive('maxSessionBytes', options.maxSessionBytes, SESSION_DEFAULTS.maxSessionBytes, 'bytes'),
    cleanupInterval: nonNegative('cleanupInterval', options.cleanupInterval, SESSION_DEFAULTS.cleanupInterval),
    cleanupBatchSize: positive('cleanupBatchSize', options.cleanupBatchSize, SESSION_DEFAULTS.cleanupBatchSize, 'rows'),
    storeTimeout: positive('storeTimeout', options.storeTimeout, SESSION_DEFAULTS.storeTimeout),
    trustProxy: compileProxyTrust(options.trustProxy),
    renewAfter: options.renewAfter === undefined ? null : positive('renewAfter', options.renewAfter, 0),
    renewalGracePeriod: nonNegative(
      'renewalGracePeriod',
      options.renewalGracePeriod,
      SESSION_DEFAULTS.renewalGracePeriod,
    ),
    bind: { ip: options.bind?.ip ?? false, userAgent: options.bind?.userAgent ?? false },
    tenant: options.tenant ?? null,
    maxSessionsPerUser:
      options.maxSessionsPerUser === undefined
        ? null
        : positive('maxSessionsPerUser', options.maxSessionsPerUser, 0, 'sessions'),
    sessionLimitPolicy: options.sessionLimitPolicy ?? 'evict-oldest',
    cache: resolveCacheOptions(options.cache),
    liveConnections: options.liveConnections ?? false,
    encryption: resolveEncryptionOptions(options.encryption),
    freshAge: positive('freshAge', options.freshAge, SESSION_DEFAULTS.freshAge),
    assuranceTimeouts: resolveAssuranceTimeouts(options.assuranceTimeouts),
    csrf: resolveCsrfOptions(options.csrf),
    checkStoreOnStart: options.checkStoreOnStart ?? true,
    legacyCookie: null,
    ...resolveTransportOptions(options.transport, options.tokenHeader),
    dbsc: null,
  };
  resolved.legacyCookie = resolveLegacyCookieOptions(options.legacyCookie, resolved.secrets, resolved.cookie.name);
  resolved.dbsc = resolveDbscOptions(options.dbsc, resolved.cookie);
  for (const [name, value] of Object.entries({
    'bind.ip': resolved.bind.ip,
    'bind.userAgent': resolved.bind.userAgent,
    rolling: resolved.rolling,
    saveUninitialized: resolved.saveUninitialized,
    'cookie.httpOnly': resolved.cookie.httpOnly,
    'cookie.secure': resolved.cookie.secure,
    checkStoreOnStart: resolved.checkStoreOnStart,
    liveConnections: resolved.liveConnections,
  })) {
    if (typeof value !== 'boolean') {
      fail(`\`${name}\` must be true or false; got ${JSON.stringify(value)}.`);
    }
  }
  if (resolved.tenant !== null && typeof resolved.tenant !== 'function') {
    fail('`tenant` must be a function of the request that returns the tenant name.');
  }
  if (resolved.maxSessionsPerUser !== null && !Number.isInteger(resolved.maxSessionsPerUser)) {
    fail(`\`maxSessionsPerUser\` must be a whole number; got ${resolved.maxSessionsPerUser}.`);
  }
  if (!LIMIT_POLICIES.includes(resolved.sessionLimitPolicy)) {
    fail(
      `\`sessionLimitPolicy\` "${String(resolved.sessionLimitPolicy)}" is unknown: use one of ${LIMIT_POLICIES.join(', ')}.`,
    );
  }
  if (!COOKIE_NAME.test(resolved.cookie.name)) {
    fail(`cookie.name "${resolved.cookie.name}" is not a valid cookie name: use letters, digits and !#$%&'*+-.^_\`|~.`);
  }
  if (resolved.cookie.sameSite === 'none' && !resolved.cookie.secure) {
    fail('cookie.sameSite "none" requires cookie.secure: true (browsers reject it otherwise).');
  }
  assertCookiePrefixRules(resolved.cookie);
  return resolved;
}

/**
 * `__Host-sid` where the cookie qualifies for the prefix (Secure, Path=/, no Domain): browsers then
 * refuse a cookie of that name set by a sibling subdomain or over http. Otherwise `sid`.
 */
function defaultCookieName(secure: boolean, path: string, domain: string | undefined): string {
  const hostOnly = secure && path === '/' && domain === undefined;
  return hostOnly ? `${SESSION_DEFAULTS.hostCookiePrefix}${SESSION_DEFAULTS.cookieName}` : SESSION_DEFAULTS.cookieName;
}

/** Browsers drop a `__Host-` or `__Secure-` cookie whose attributes break the prefix's rules: say so at start-up. */
function assertCookiePrefixRules(cookie: ResolvedSessionOptions['cookie']): void {
  const name = cookie.name.toLowerCase();
  if ((name.startsWith('__host-') || name.startsWith('__secure-')) && !cookie.secure) {
    fail(`cookie.name "${cookie.name}" needs cookie.secure: true (browsers ignore a prefixed cookie without it).`);
  }
  if (name.startsWith('__host-') && (cookie.path !== '/' || cookie.domain !== undefined)) {
    fail(`cookie.name "${cookie.name}" needs cookie.path "/" and no cookie.domain (the __Host- prefix forbids them).`);
  }
}

function resolveClearSiteData(value: unknown): ResolvedSessionOptions['clearSiteData'] {
  const types = value ?? SESSION_DEFAULTS.clearSiteData;
  if (!Array.isArray(types) || types.some((type) => !CLEAR_SITE_DATA_TYPES.includes(type))) {
    fail(
      `\`clearSiteData\` must be an array of ${CLEAR_SITE_DATA_TYPES.map((t) => `"${t}"`).join(' and ')}; got ${JSON.stringify(value)}.`,
    );
  }
  return [...new Set(types as SessionClearSiteDataType[])];
}

function resolveSecrets(secret: unknown): string[] {
  const secrets = Array.isArray(secret) ? secret : secret === undefined ? [] : [secret];
  if (secrets.length === 0) {
    fail('`secret` is missing: give a random string of at least 32 characters (or an array of them to rotate).');
  }
  secrets.forEach((value, index) => {
    const label = Array.isArray(secret) ? `secret[${index}]` : '`secret`';
    if (typeof value !== 'string') {
      fail(`${label} must be a string.`);
    }
    if (value.length < SESSION_DEFAULTS.minSecretLength) {
      fail(
        `${label} is ${value.length} characters long: use at least ${SESSION_DEFAULTS.minSecretLength} random characters.`,
      );
    }
  });
  return secrets as string[];
}

function resolveSameSite(value: unknown): SessionSameSite {
  if (value === undefined) {
    return SESSION_DEFAULTS.sameSite;
  }
  const normalized = typeof value === 'string' ? value.toLowerCase() : value;
  if (!SAME_SITE_VALUES.includes(normalized as SessionSameSite)) {
    fail(`cookie.sameSite "${String(value)}" is unknown: use one of ${SAME_SITE_VALUES.join(', ')}.`);
  }
  return normalized as SessionSameSite;
}

function positive(name: string, value: number | undefined, fallback: number, unit = 'milliseconds'): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isFinite(resolved) || resolved <= 0) {
    fail(`\`${name}\` must be a positive number of ${unit}; got ${String(value)}.`);
  }
  return resolved;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isFinite(resolved) || resolved < 0) {
    fail(`\`${name}\` must be a number of milliseconds, 0 or more; got ${String(value)}.`);
  }
  return resolved;
}

function fail(message: string): never {
  throw new SessionConfigurationError(`SessionModule: ${message}`);
}
