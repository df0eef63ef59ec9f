import type { SessionModuleOptions } from 'nest-sessions';
import type { AppConfig } from '../protocol';

/** `{ cache: { ttl } }` for a cached variant (the module's default `maxEntries`), nothing otherwise. */
export function cacheOption(config: AppConfig): Pick<SessionModuleOptions, 'cache'> {
  return config.cacheTtl === undefined ? {} : { cache: { ttl: config.cacheTtl } };
}
