import { DataSource, type DataSourceOptions } from 'typeorm';
import { SESSION_MIGRATIONS } from '../../src/typeorm';

/**
 * PostgreSQL's DataSource options, taken from the root export: TypeORM 1 renamed the deep-import type
 * (`PostgresConnectionOptions` became `PostgresDataSourceOptions`), and this name works on 0.3 and 1.
 */
type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/**
 * A plain TypeORM DataSource (no @nestjs/typeorm) on `url`, initialised with SESSION_MIGRATIONS run,
 * as a user without TypeOrmModule would set one up. `options` adds to it (`entities`, `extra`...).
 */
export function createMigratedDataSource(
  url: string,
  options: Partial<Omit<PostgresOptions, 'type' | 'url'>> = {},
): Promise<DataSource> {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: SESSION_MIGRATIONS,
    migrationsRun: true,
    ...options,
  }).initialize();
}
