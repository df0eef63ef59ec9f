import type { SessionTable } from './session-table';
import { literal } from './session-table';

/**
 * The SQL of the PostgreSQL session store. Times cross the wire as epoch milliseconds (float8),
 * which the driver reads as numbers: no date parsing on the hot path.
 */
// date_part answers float8 directly, where extract (PostgreSQL 14+) computes a numeric: about four
// times the CPU; round() gives back the exact milliseconds the column was written from.
const ms = (column: string) => `round(date_part('epoch', ${column}) * 1000)`;
const ts = (parameter: string) => `to_timestamp(${parameter}::float8 / 1000)`;

const SUMMARY_COLUMNS = `handle, tenant, user_id, ip, user_agent, ${ms('created_at')} AS created_at,
  ${ms('last_active_at')} AS last_active_at, ${ms('expires_at')} AS expires_at`;

const SESSION_COLUMNS = `${SUMMARY_COLUMNS}, data, ${ms('absolute_expires_at')} AS absolute_expires_at,
  ${ms('id_issued_at')} AS id_issued_at, lifetime_ms::float8 AS lifetime_ms, version`;

// Writes carry a deadline: the time the app stops waiting. A statement that reaches the server later
// (held up in the network) changes nothing and says so (`in_time`), so a write answered with 503
// can never land after a newer one the app acknowledged.
const inTime = (deadline: string) => `(${deadline}::float8 IS NULL OR clock_timestamp() <= ${ts(deadline)})`;
// Data size as PostgreSQL serializes the jsonb: the limit is checked where the merge happens.
const sizeOf = (data: string) => `octet_length((${data})::text)`;

// One statement, finding the session by its handle (its stable identity, whatever ID it has by
// then). The row is locked first, so the size is measured on the latest version, with what
// concurrent writes left; keys are removed then merged in the database, so concurrent patches to
// different keys both survive. A null parameter leaves its column as it is, except where a
// "$N::boolean" flag says the nullable column is being set. With $20 the patch applies only to that
// version of the session (a write based on a cached copy). With $17 the new ID is conditional:
// a renewal yields to any other change of ID. With $19 (a renewal) the old ID keeps finding the
// session that many milliseconds; any other new ID forgets it at once.
const movesId = `($5::text IS NOT NULL AND ($17::text IS NULL OR s.id_hash = $17))`;

/** The session table's statements, written once per store with the table's path. */
export function sessionStatements(table: SessionTable) {
  const t = table.path;
  // The channel a store with subscribers announces changes on: `<handle> <version>`, or `<handle>` when it is gone.
  const announce = (handle: string, version?: string) =>
    `pg_notify(${literal(table.channel)}, ${version === undefined ? handle : `${handle} || ' ' || ${version}`})`;
  /** Deletes with `RETURNING` the sessions' summaries, announcing each when `announced`. */
  const deleteReturningSummaries = (announced: boolean, deletion: string) =>
    announced
      ? `WITH gone AS (${deletion} RETURNING ${SUMMARY_COLUMNS}) SELECT *, ${announce('handle')} FROM gone`
      : `${deletion} RETURNING ${SUMMARY_COLUMNS}`;
  // The default table keeps the lock keys of earlier versions, so instances of both exclude each other.
  const lockKey = (purpose: string) =>
    literal(table.isDefault ? `nest-sessions:${purpose}` : `nest-sessions:${purpose}:${table.path}`);
  return {
    // The current ID first; only when no session has it, the ID a renewal replaced moments ago.
    selectSession: `
    (SELECT ${SESSION_COLUMNS}, NULL::float8 AS previous_id_until FROM ${t} WHERE id_hash = $1)
    UNION ALL
    (SELECT ${SESSION_COLUMNS}, ${ms('previous_id_expires_at')} AS previous_id_until
     FROM ${t} WHERE previous_id_hash = $1 AND previous_id_expires_at > now())
    LIMIT 1`,

    insertSession: `
    WITH verdict AS (SELECT ${inTime('$14')} AS in_time, ${sizeOf('$4::jsonb')} AS size),
    inserted AS (
      INSERT INTO ${t} (id_hash, handle, tenant, data, created_at, last_active_at, expires_at, absolute_expires_at,
                            id_issued_at, lifetime_ms, user_id, ip, user_agent)
      SELECT $1, $2, $3, $4::jsonb, ${ts('$5')}, ${ts('$6')}, ${ts('$7')}, ${ts('$8')}, ${ts('$9')}, $10, $11, $12, $13
      FROM verdict WHERE in_time AND ($15::int IS NULL OR size <= $15)
      RETURNING id_hash)
    SELECT true AS live, in_time, size, (SELECT id_hash FROM inserted) AS id_hash FROM verdict`,

    // Announcing the change (`announced`) makes every committing writer queue behind one lock: only
    // stores whose module caches sessions do it.
    patch: (announced: boolean) => `
    WITH target AS (
      SELECT expires_at > ${ts('$2')} AS live, ${sizeOf('(data - $3::text[]) || $4::jsonb')} AS size, version
      FROM ${t} WHERE handle = $1 FOR UPDATE),
    verdict AS (SELECT live, size, ${inTime('$16')} AS in_time, ($20::int IS NULL OR version = $20) AS current FROM target),
    updated AS (
      UPDATE ${t} s SET
        data = (s.data - $3::text[]) || $4::jsonb,
        id_hash = CASE WHEN ${movesId} THEN $5 ELSE s.id_hash END,
        id_issued_at = CASE WHEN ${movesId} THEN ${ts('$15')} ELSE s.id_issued_at END,
        previous_id_hash = CASE WHEN ${movesId} AND $19::float8 IS NOT NULL THEN s.id_hash
                                WHEN ${movesId} THEN NULL ELSE s.previous_id_hash END,
        previous_id_expires_at = CASE WHEN ${movesId} AND $19::float8 IS NOT NULL THEN ${ts('($15::float8 + $19::float8)')}
                                      WHEN ${movesId} THEN NULL ELSE s.previous_id_expires_at END,
        last_active_at = COALESCE(${ts('$6')}, s.last_active_at),
        expires_at = COALESCE(${ts('$7')}, s.expires_at),
        absolute_expires_at = COALESCE(${ts('$8')}, s.absolute_expires_at),
        lifetime_ms = CASE WHEN $9::boolean THEN $10::bigint ELSE s.lifetime_ms END,
        user_id = CASE WHEN $11::boolean THEN $12::text ELSE s.user_id END,
        ip = COALESCE($13, s.ip),
        user_agent = COALESCE($14, s.user_agent),
        version = s.version + 1
      FROM verdict v
      WHERE s.handle = $1 AND v.live AND v.in_time AND v.current AND ($18::int IS NULL OR v.size <= $18)
      RETURNING s.id_hash, s.version)
    SELECT v.live, v.in_time, v.size, v.current, u.id_hash${announced ? `, ${announce('$1', 'u.version')}` : ''}
    FROM verdict v LEFT JOIN updated u ON true`,

    destroy: (announced: boolean) =>
      announced
        ? `WITH gone AS (DELETE FROM ${t} WHERE handle = $1 RETURNING handle) SELECT ${announce('handle')} FROM gone`
        : `DELETE FROM ${t} WHERE handle = $1`,

    listByUser: `
    SELECT ${SUMMARY_COLUMNS} FROM ${t}
    WHERE user_id = $1 AND tenant = $2 AND expires_at > ${ts('$3')}
    ORDER BY last_active_at DESC`,

    destroyByHandle: (announced: boolean) =>
      deleteReturningSummaries(announced, `DELETE FROM ${t} WHERE user_id = $1 AND tenant = $2 AND handle = $3`),

    // A null tenant ($2) selects the user's sessions in every tenant.
    destroyByUser: (announced: boolean) =>
      deleteReturningSummaries(
        announced,
        `DELETE FROM ${t} WHERE id_hash IN (
        SELECT id_hash FROM ${t}
        WHERE user_id = $1 AND ($2::text IS NULL OR tenant = $2) AND handle IS DISTINCT FROM $3
        ORDER BY expires_at > ${ts('$5')} DESC, last_active_at DESC OFFSET $4)`,
      ),

    // Under the 'refuse' policy, a login holds this lock (per user and tenant) from counting the user's
    // other sessions until its write commits: the next login of that user counts after it.
    userLock: `SELECT pg_advisory_xact_lock(hashtext(${lockKey('user')}), hashtext($1::text || E'\\n' || $2::text))`,
    countOtherSessions: `
    SELECT count(*)::int AS count FROM ${t}
    WHERE user_id = $1 AND tenant = $2 AND handle <> $3 AND expires_at > ${ts('$4')}`,

    // The advisory lock keeps cleanup to one instance at a time; SKIP LOCKED keeps it from waiting
    // on rows that live requests are updating. Each batch is its own short transaction.
    cleanupLock: `SELECT pg_try_advisory_xact_lock(hashtext(${lockKey('cleanup')})) AS locked`,
    deleteExpired: `
    DELETE FROM ${t} WHERE id_hash IN (
      SELECT id_hash FROM ${t} WHERE expires_at <= ${ts('$1')}
      ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,

    // Live sessions in handle order, a batch after the handle $1: what a copy to another store reads.
    exportSessions: `
    SELECT id_hash, ${SESSION_COLUMNS} FROM ${t}
    WHERE handle > $1 AND expires_at > ${ts('$2')} AND ($3::float8 IS NULL OR last_active_at >= ${ts('$3')})
    ORDER BY handle LIMIT $4`,
  };
}

/** The session table's statements. */
export type SessionStatements = ReturnType<typeof sessionStatements>;

/** The statements that change a stored session, announcing each change or not (see `patch`). */
export function changeStatements(sql: SessionStatements, announced: boolean) {
  const suffix = announced ? '_announced' : '';
  return {
    patch: { name: `patch${suffix}`, text: sql.patch(announced) },
    destroy: { name: `destroy${suffix}`, text: sql.destroy(announced) },
    destroyByHandle: { name: `destroy_by_handle${suffix}`, text: sql.destroyByHandle(announced) },
    destroyByUser: { name: `destroy_by_user${suffix}`, text: sql.destroyByUser(announced) },
  };
}
