import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quote, resolveSessionTable, type SessionTableOptions } from '../session-table';

/** Where a migration finds the session table and its indexes, quoted for SQL. */
export interface MigrationTable {
  /** `"sessions"` or `"app"."sessions"`. */
  path: string;
  /** An index's quoted path: indexes live in their table's schema. */
  index(name: string): string;
  /** The quoted schema, or null for the search_path's. */
  schema: string | null;
}

/**
 * A migration of the session table. The table is the one `sessionMigrations({ schema, tableName })`
 * names, else `SessionEntity`'s on the DataSource that runs it (so its `schema` is followed), else
 * `sessions`: the same rules as `TypeOrmSessionStore`'s. Each step is written to be run again on a
 * table that already has it (as `synchronize` leaves it), so an app can move from `synchronize` to
 * the migrations.
 */
export abstract class SessionTableMigration implements MigrationInterface {
  abstract name: string;

  constructor(private readonly tableOptions: SessionTableOptions = {}) {}

  abstract up(queryRunner: QueryRunner): Promise<void>;
  abstract down(queryRunner: QueryRunner): Promise<void>;

  protected table(queryRunner: QueryRunner): MigrationTable {
    const { path, schema } = resolveSessionTable(queryRunner.connection, this.tableOptions);
    const quotedSchema = schema === null ? null : quote(schema);
    return {
      path,
      schema: quotedSchema,
      index: (name) => (quotedSchema === null ? quote(name) : `${quotedSchema}.${quote(name)}`),
    };
  }
}
