import { AddPreviousIdHash1733000000000 } from './add-previous-id-hash.migration';
import { AddSessionVersion1734000000000 } from './add-session-version.migration';
import { AddSessionHandlesAndTenants1732600000000 } from './add-session-handles-and-tenants.migration';
import { CreateSessionsTable1732500000000 } from './create-sessions-table.migration';
import { TuneSessionsTable1732700000000 } from './tune-sessions-table.migration';

/** Every migration of the `sessions` table, in order: add them to your DataSource's `migrations`. */
export const SESSION_MIGRATIONS = [
  CreateSessionsTable1732500000000,
  AddSessionHandlesAndTenants1732600000000,
  TuneSessionsTable1732700000000,
  AddPreviousIdHash1733000000000,
  AddSessionVersion1734000000000,
];
