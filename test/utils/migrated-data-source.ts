import { DataSource, type DataSourceOptions } from 'typeorm';
import { SESSION_MIGRATIONS, SessionEntity } from '../../src/typeorm';
import { createTestDatabase, type TestDatabase } from './test-database';

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

/** A test file's own database with a migrated DataSource on it (holding `SessionEntity`); both set once `beforeAll` has run. */
export interface MigratedDatabase {
  db: TestDatabase;
  dataSource: DataSource;
}

/**
 * Registers, in the enclosing `describe`, hooks that create a database of its own for the file
 * (`label` names it) with a migrated DataSource on it, and that close and drop them afterwards.
 * Read `db` and `dataSource` inside hooks and tests only.
 */
export function useMigratedDatabase(label: string): MigratedDatabase {
  const database: Partial<MigratedDatabase> = {};
  beforeAll(async () => {
    database.db = await createTestDatabase(label);
    database.dataSource = await createMigratedDataSource(database.db.url, { entities: [SessionEntity] });
  });
  afterAll(async () => {
    await database.dataSource?.destroy();
    await database.db?.drop();
  });
  return database as MigratedDatabase;
}
