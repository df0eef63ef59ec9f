import { e2eRedisPrefix, e2eStore } from './e2e-store';
import { connectE2eRedis } from './redis-keyspace';
import { RedisSessions } from './redis-sessions';
import { SessionsTable } from './sessions-table';
import type { StoredSessions } from './stored-sessions';
import { createTestDatabase, type TestDatabase } from './test-database';

/** A test file's own database, and what the app stored on the e2e run's store, set once `beforeAll` has run. */
export interface SessionsDatabase {
  /** On Redis too (creating one is cheap): parts of some files test TypeORM on it; the sample ignores it there. */
  db: TestDatabase;
  /** The `sessions` table of `db`, or on Redis the keys of this file's prefix (see `E2E_SESSION_STORE`). */
  table: StoredSessions;
}

/**
 * Registers, in the enclosing `describe`, the hooks that create a database of its own for the file
 * (`label` names it) with a {@link StoredSessions} on the e2e run's store, and that close and drop
 * them afterwards; on Redis, every key of the file's prefix is deleted then.
 * Read `db` and `table` inside hooks and tests only: they are set in `beforeAll`.
 */
export function useSessionsDatabase(label: string): SessionsDatabase {
  const database: Partial<SessionsDatabase> = {};
  const onRedis = e2eStore() !== 'postgres';
  beforeAll(async () => {
    database.db = await createTestDatabase(label);
    database.table = onRedis
      ? new RedisSessions(await connectE2eRedis(), e2eRedisPrefix)
      : await SessionsTable.connect(database.db.url);
  });
  afterAll(async () => {
    if (onRedis) {
      await database.table?.clear();
    }
    await database.table?.close();
    await database.db?.drop();
  });
  return database as SessionsDatabase;
}
