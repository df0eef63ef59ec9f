import { randomBytes } from 'node:crypto';
import proxyAddr from 'proxy-addr';

/** Everything the sample reads from its environment (see ../shared/sample-contract.md). */
export interface SampleConfig {
  host: string;
  port: number;
  /** Where sessions live: PostgreSQL (through TypeORM), Redis, or the process's memory. */
  store: 'postgres' | 'redis' | 'memory';
  /** PostgreSQL URL; undefined starts an embedded PostgreSQL (PGlite) when the store is PostgreSQL. */
  databaseUrl?: string;
  /** Standalone Redis or Valkey, for the Redis store. */
  redisUrl: string;
  /** Seeds of a Redis Cluster (`host:port`): used instead of `redisUrl` when set. */
  redisClusterNodes?: string[];
  /** Start of every Redis key the store writes; the store's default (`sess:`) when unset. */
  redisPrefix?: string;
  /** Redis replicas that must acknowledge each session write (`WAIT`); none when unset. */
  redisWaitForReplicas?: number;
  secrets: string[];
  platform: 'express' | 'fastify';
  idleTimeout: number;
  absoluteTimeout: number;
  cleanupInterval: number;
  maxSessionBytes: number;
  /** Milliseconds a session store call may take before 503. */
  storeTimeout?: number;
  /** Database pool size. */
  poolSize?: number;
  /** Which proxies' X-Forwarded-For to believe: `'loopback'`, a number of hops, or addresses/CIDRs; unset: none. */
  trustProxy?: number | string | string[];
  /** Replace session IDs this often (milliseconds). */
  renewAfter?: number;
  /** How long a replaced ID still finds its session (milliseconds); the library's default when unset. */
  renewalGracePeriod?: number;
  /** Bind sessions to the client's IP and/or user agent. */
  bind?: { ip?: boolean; userAgent?: boolean };
  /** Most sessions per user, and what a login beyond it does. */
  maxSessionsPerUser?: number;
  sessionLimitPolicy?: 'evict-oldest' | 'refuse';
  /** Request header naming the tenant; unset: no tenants. */
  tenantHeader?: string;
  /** The cookie's `Secure` attribute (and with it the `__Host-` name); unset: the library's default. */
  cookieSecure?: boolean;
  /** Keep verified sessions in process this long (milliseconds); unset or 0: no cache. */
  cacheMs?: number;
  /** Base64 AES-256 keys encrypting session values at rest, the first encrypting; unset: no encryption. */
  encryptionKeys?: string[];
  /** How recent a password check must be for `POST /sensitive` (milliseconds); unset: 300 000. */
  freshMs?: number;
  /** Unsafe methods that carry the session cookie need the session's CSRF token (`X-CSRF-Token`). */
  csrf?: boolean;
  /** Offer Device Bound Session Credentials after login (`dbsc` option). */
  dbsc?: boolean;
  /** Lifetime of the short-lived device-bound cookie (milliseconds); unset: 600 000. */
  dbscCookieMs?: number;
}

/** Reads the sample's configuration; throws with a message naming the variable to fix. */
export function loadSampleConfig(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = console.warn,
): SampleConfig {
  return {
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 3000),
    store: sessionStore(env.SESSION_STORE),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    redisClusterNodes: clusterNodes(env.REDIS_CLUSTER_NODES),
    redisPrefix: env.SESSION_REDIS_PREFIX || undefined,
    redisWaitForReplicas: optionalInteger(env, 'SESSION_REDIS_WAIT_REPLICAS'),
    secrets: secrets(env, warn),
    platform: platform(env.PLATFORM),
    idleTimeout: integer(env, 'SESSION_IDLE_TIMEOUT_MS', 86_400_000),
    absoluteTimeout: integer(env, 'SESSION_ABSOLUTE_TIMEOUT_MS', 604_800_000),
    cleanupInterval: integer(env, 'SESSION_CLEANUP_INTERVAL_MS', 60_000),
    maxSessionBytes: integer(env, 'SESSION_MAX_BYTES', 65_536),
    storeTimeout: optionalInteger(env, 'SESSION_STORE_TIMEOUT_MS'),
    trustProxy: trustProxy(env.TRUST_PROXY),
    renewAfter: optionalInteger(env, 'SESSION_RENEW_AFTER_MS'),
    bind: binding(env.SESSION_BIND),
    maxSessionsPerUser: optionalInteger(env, 'SESSION_MAX_PER_USER'),
    sessionLimitPolicy: limitPolicy(env.SESSION_LIMIT_POLICY),
    tenantHeader: env.SESSION_TENANT_HEADER || undefined,
    cookieSecure: optionalBoolean(env, 'SESSION_COOKIE_SECURE'),
    cacheMs: optionalInteger(env, 'SESSION_CACHE_MS') || undefined,
    encryptionKeys: encryptionKeys(env.SESSION_ENCRYPTION_KEYS),
    freshMs: integer(env, 'SESSION_FRESH_MS', 300_000),
    csrf: optionalBoolean(env, 'SESSION_CSRF') ?? false,
    dbsc: optionalBoolean(env, 'SESSION_DBSC') ?? false,
    dbscCookieMs: dbscCookieMs(env),
  };
}

function sessionStore(value: string | undefined): SampleConfig['store'] {
  if (value === undefined || value === '' || value === 'postgres' || value === 'redis' || value === 'memory') {
    return (value || 'postgres') as SampleConfig['store'];
  }
  throw new Error(`SESSION_STORE must be "postgres", "redis" or "memory"; got "${value}".`);
}

function clusterNodes(value: string | undefined): string[] | undefined {
  const nodes = (value ?? '')
    .split(',')
    .map((node) => node.trim())
    .filter(Boolean);
  const malformed = nodes.filter((node) => !/^(\[[0-9a-fA-F:.]+\]|[^\s:]+):\d{1,5}$/.test(node));
  if (malformed.length > 0) {
    throw new Error(`REDIS_CLUSTER_NODES takes a comma-separated list of host:port; got "${value}".`);
  }
  return nodes.length > 0 ? nodes : undefined;
}

function binding(value: string | undefined): SampleConfig['bind'] {
  const parts = (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = parts.filter((part) => part !== 'ip' && part !== 'user-agent');
  if (unknown.length > 0) {
    throw new Error(`SESSION_BIND takes a comma-separated list of "ip" and "user-agent"; got "${value}".`);
  }
  return { ip: parts.includes('ip'), userAgent: parts.includes('user-agent') };
}

function trustProxy(value: string | undefined): SampleConfig['trustProxy'] {
  if (value === undefined || value.trim() === '') {
    return undefined;
  }
  if (/^\s*\d+\s*$/.test(value)) {
    return Number(value);
  }
  const entries = value.split(',').map((entry) => entry.trim());
  if (!entries.every(isProxyAddress)) {
    throw new Error(
      `TRUST_PROXY takes "loopback", a number of hops, or a comma-separated list of addresses/CIDRs; got "${value}".`,
    );
  }
  return entries;
}

function isProxyAddress(entry: string): boolean {
  try {
    return entry !== '' && typeof proxyAddr.compile(entry) === 'function';
  } catch {
    return false;
  }
}

function limitPolicy(value: string | undefined): SampleConfig['sessionLimitPolicy'] {
  if (value === undefined || value === '' || value === 'evict-oldest' || value === 'refuse') {
    return (value || undefined) as SampleConfig['sessionLimitPolicy'];
  }
  throw new Error(`SESSION_LIMIT_POLICY must be "evict-oldest" or "refuse"; got "${value}".`);
}

function optionalBoolean(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  if (raw !== 'true' && raw !== 'false') {
    throw new Error(`${name} must be "true" or "false"; got "${raw}".`);
  }
  return raw === 'true';
}

/** SESSION_ENCRYPTION_KEYS: comma-separated base64 keys of 32 bytes; the message names a bad one by position, never printing it. */
function encryptionKeys(value: string | undefined): string[] | undefined {
  const keys = (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  keys.forEach((key, index) => {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== 32) {
      throw new Error(
        `SESSION_ENCRYPTION_KEYS: key ${index + 1} is not a base64 string of 32 bytes; generate one with \`openssl rand -base64 32\`.`,
      );
    }
  });
  return keys.length > 0 ? keys : undefined;
}

function optionalInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  return env[name] ? integer(env, name, 0) : undefined;
}

function secrets(env: NodeJS.ProcessEnv, warn: (message: string) => void): string[] {
  const list = (env.SESSION_SECRET ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
  if (list.length > 0) {
    return list;
  }
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'SESSION_SECRET is required when NODE_ENV=production (a comma-separated list rotates: the first signs, all verify).',
    );
  }
  warn('SESSION_SECRET is not set: using a random secret, so sessions end when the process does.');
  return [randomBytes(32).toString('base64url')];
}

function platform(value: string | undefined): 'express' | 'fastify' {
  if (value === undefined || value === '' || value === 'express' || value === 'fastify') {
    return (value || 'express') as 'express' | 'fastify';
  }
  throw new Error(`PLATFORM must be "express" or "fastify"; got "${value}".`);
}

/** Whole seconds at least: the cookie's `Max-Age` is in seconds. */
function dbscCookieMs(env: NodeJS.ProcessEnv): number {
  const value = integer(env, 'SESSION_DBSC_COOKIE_MS', 600_000);
  if (value < 1000) {
    throw new Error(`SESSION_DBSC_COOKIE_MS must be at least 1000 (milliseconds); got "${value}".`);
  }
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number, 0 or more; got "${raw}".`);
  }
  return value;
}
