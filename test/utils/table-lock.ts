import { harnessClient } from './cluster-activity';

/** A table lock held by a connection of the test's own, as a long migration or a stuck batch job would. */
export interface HeldTableLock {
  /** Ends the locking transaction (rolled back) and closes its connection. */
  release(): Promise<void>;
}

/**
 * Opens a transaction on `databaseUrl` that holds `LOCK TABLE <table> IN <mode> MODE` until released:
 * `ACCESS EXCLUSIVE` stops every statement on the table, `SHARE` only writes (reads go on).
 */
export async function lockTable(
  databaseUrl: string,
  table: string,
  mode: 'ACCESS EXCLUSIVE' | 'SHARE' = 'ACCESS EXCLUSIVE',
): Promise<HeldTableLock> {
  const client = harnessClient(databaseUrl);
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`LOCK TABLE "${table}" IN ${mode} MODE`);
  } catch (error) {
    await client.end();
    throw error;
  }
  return {
    release: async () => {
      try {
        await client.query('ROLLBACK');
      } finally {
        await client.end();
      }
    },
  };
}
