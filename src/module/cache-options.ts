import { SESSION_DEFAULTS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import type { SessionCacheOptions } from './session-module-options.interface';

/** The `cache` option with its defaults applied. */
export type ResolvedCacheOptions = Required<SessionCacheOptions>;

/** Validates `cache`; null when the cache is off (the option left out). */
export function resolveCacheOptions(cache: SessionCacheOptions | undefined): ResolvedCacheOptions | null {
  if (cache === undefined) {
    return null;
  }
  if (cache === null || typeof cache !== 'object') {
    fail(`\`cache\` must be an object such as { ttl: 5000 }; got ${JSON.stringify(cache)}.`);
  }
  const { ttl, maxEntries = SESSION_DEFAULTS.cacheMaxEntries } = cache;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    fail(`\`cache.ttl\` must be a positive number of milliseconds; got ${String(ttl)}.`);
  }
  if (typeof maxEntries !== 'number' || !Number.isInteger(maxEntries) || maxEntries <= 0) {
    fail(`\`cache.maxEntries\` must be a positive whole number of sessions; got ${String(maxEntries)}.`);
  }
  return { ttl, maxEntries };
}

function fail(message: string): never {
  throw new SessionConfigurationError(`SessionModule: ${message}`);
}
