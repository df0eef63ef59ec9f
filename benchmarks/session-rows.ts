import type { Client } from 'pg';

/** ID hash of the i-th generated session: 64 hex characters, never a real SHA-256 by accident. */
export const GENERATED_ID_HASH = (i: string) => `'f' || lpad(to_hex((${i})::int), 63, '0')`;

/**
 * Adds `count` sessions to this module's `sessions` table in one statement, each a copy of a
 * session the module itself stored (so whatever columns the table has, they are filled as the
 * module fills them) with its own ID hash and handle. `expiredEvery`: every n-th row is expired
 * (2: half of them); 0: none.
 */
export async function insertGeneratedSessions(client: Client, count: number, expiredEvery: number): Promise<void> {
  const expired = expiredEvery > 0 ? `i % ${expiredEvery} = 0` : 'false';
  const overrides: Record<string, string> = {
    id_hash: GENERATED_ID_HASH('i'),
    handle: `'bench' || i`,
    user_id: `'bench-user-' || i`,
    expires_at: `CASE WHEN ${expired} THEN now() - (i % 1440) * interval '1 minute' - interval '1 minute'
                 ELSE template.expires_at END`,
  };
  const { rows } = await client.query<{ name: string }>(
    `SELECT column_name AS name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'sessions' ORDER BY ordinal_position`,
  );
  const columns = rows.map((row) => row.name);
  const values = columns.map((column) => overrides[column] ?? `template."${column}"`);
  await client.query(
    `INSERT INTO sessions (${columns.map((column) => `"${column}"`).join(', ')})
     SELECT ${values.join(', ')}
     FROM (SELECT * FROM sessions WHERE user_id IS NOT NULL ORDER BY created_at LIMIT 1) AS template,
          generate_series(1, $1::int) AS i`,
    [count],
  );
}
