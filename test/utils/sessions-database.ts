import { SessionsTable } from './sessions-table';
import { createTestDatabase, type TestDatabase } from './test-database';

/** A test file's own database and a connection to its `sessions` table, set once `beforeAll` has run. */
export interface SessionsDatabase {
  db: TestDatabase;
  table: SessionsTable;
}

/**
 * Registers, in the enclosing `describe`, the hooks that create a database of its own for the file
 * (`label` names it) with a {@link SessionsTable} on it, and that close and drop them afterwards.
 * Read `db` and `table` inside hooks and tests only: they are set in `beforeAll`.
 */
export function useSessionsDatabase(label: string): SessionsDatabase {
  const database: Partial<SessionsDatabase> = {};
  beforeAll(async () => {
    database.db = await createTestDatabase(label);
    database.table = await SessionsTable.connect(database.db.url);
  });
  afterAll(async () => {
    await database.table?.close();
    await database.db?.drop();
  });
  return database as SessionsDatabase;
}
