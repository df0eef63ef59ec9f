import type { MigrationInterface } from 'typeorm';
import type { SessionTableOptions } from '../session-table';
import { AddPreviousIdHash1733000000000 } from './add-previous-id-hash.migration';
import { AddSessionVersion1734000000000 } from './add-session-version.migration';
import { AddSessionHandlesAndTenants1732600000000 } from './add-session-handles-and-tenants.migration';
import { CreateSessionsTable1732500000000 } from './create-sessions-table.migration';
import { TuneSessionsTable1732700000000 } from './tune-sessions-table.migration';

/**
 * Every migration of the session table, in order: add them to your DataSource's `migrations`.
 * They act on `SessionEntity`'s table when the DataSource has it (following its `schema`), else on
 * `sessions`; {@link sessionMigrations} names another table.
 */
export const SESSION_MIGRATIONS = [
  CreateSessionsTable1732500000000,
  AddSessionHandlesAndTenants1732600000000,
  TuneSessionsTable1732700000000,
  AddPreviousIdHash1733000000000,
  AddSessionVersion1734000000000,
];

/**
 * {@link SESSION_MIGRATIONS} acting on the table `options` names: give the same options as to
 * `TypeOrmSessionStore.with()`. The migrations keep their names, so a database that ran some of
 * them runs only the rest.
 */
export function sessionMigrations(options: SessionTableOptions): Array<new () => MigrationInterface> {
  return SESSION_MIGRATIONS.map(
    (Migration) =>
      class extends Migration {
        constructor() {
          super(options);
        }
      },
  );
}
