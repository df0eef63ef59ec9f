import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { SESSION_MIGRATIONS } from '../../src/typeorm';

/**
 * A plain TypeORM DataSource (no @nestjs/typeorm) on `url`, initialised with SESSION_MIGRATIONS run,
 * as a user without TypeOrmModule would set one up. `options` adds to it (`entities`, `extra`...).
 */
export function createMigratedDataSource(
  url: string,
  options: Partial<Omit<PostgresConnectionOptions, 'type' | 'url'>> = {},
): Promise<DataSource> {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: SESSION_MIGRATIONS,
    migrationsRun: true,
    ...options,
  }).initialize();
}
