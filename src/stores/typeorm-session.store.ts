import type { DataSource, QueryRunner } from 'typeorm';
import type {
  SessionData,
  SessionPatch,
  SessionStore,
  SessionSummary,
  StoredSession,
  UserSessionsFilter,
} from '../session-store.interface';

const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;
const ts = (parameter: string) => `to_timestamp(${parameter}::float8 / 1000)`;

const SUMMARY_COLUMNS = `handle, tenant, user_id, ip, user_agent, ${ms('created_at')} AS created_at,
  ${ms('last_active_at')} AS last_active_at, ${ms('expires_at')} AS expires_at`;

const SELECT_SESSION = `
  SELECT ${SUMMARY_COLUMNS}, data, ${ms('absolute_expires_at')} AS absolute_expires_at,
         ${ms('id_issued_at')} AS id_issued_at, lifetime_ms::float8 AS lifetime_ms
  FROM sessions WHERE id_hash = $1`;

const INSERT_SESSION = `
  INSERT INTO sessions (id_hash, handle, tenant, data, created_at, last_active_at, expires_at, absolute_expires_at,
                        id_issued_at, lifetime_ms, user_id, ip, user_agent)
  VALUES ($1, $2, $3, $4::jsonb, ${ts('$5')}, ${ts('$6')}, ${ts('$7')}, ${ts('$8')}, ${ts('$9')}, $10, $11, $12, $13)`;

// One statement: keys are removed then merged in the database, so concurrent patches to
// different keys both survive. A null parameter leaves its column as it is, except where a
// "$N::boolean" flag says the nullable column is being set.
const PATCH_SESSION = `
  UPDATE sessions SET
    data = (data - $3::text[]) || $4::jsonb,
    id_hash = COALESCE($5, id_hash),
    last_active_at = COALESCE(${ts('$6')}, last_active_at),
    expires_at = COALESCE(${ts('$7')}, expires_at),
    absolute_expires_at = COALESCE(${ts('$8')}, absolute_expires_at),
    lifetime_ms = CASE WHEN $9::boolean THEN $10::bigint ELSE lifetime_ms END,
    user_id = CASE WHEN $11::boolean THEN $12::text ELSE user_id END,
    ip = COALESCE($13, ip),
    user_agent = COALESCE($14, user_agent),
    id_issued_at = COALESCE(${ts('$15')}, id_issued_at)
  WHERE id_hash = $1 AND expires_at > ${ts('$2')}`;

const LIST_BY_USER = `
  SELECT ${SUMMARY_COLUMNS} FROM sessions
  WHERE user_id = $1 AND tenant = $2 AND expires_at > ${ts('$3')}
  ORDER BY last_active_at DESC`;

const DESTROY_BY_HANDLE = `
  DELETE FROM sessions WHERE user_id = $1 AND tenant = $2 AND handle = $3 RETURNING ${SUMMARY_COLUMNS}`;

const DESTROY_BY_USER = `
  DELETE FROM sessions WHERE id_hash IN (
    SELECT id_hash FROM sessions WHERE user_id = $1 AND tenant = $2 AND handle IS DISTINCT FROM $3
    ORDER BY expires_at > ${ts('$5')} DESC, last_active_at DESC OFFSET $4)
  RETURNING ${SUMMARY_COLUMNS}`;

// The advisory lock keeps cleanup to one instance at a time; SKIP LOCKED keeps it from waiting
// on rows that live requests are updating. Each batch is its own short transaction.
const CLEANUP_LOCK = `SELECT pg_try_advisory_xact_lock(hashtext('nest-sessions:cleanup')) AS locked`;
const DELETE_EXPIRED = `
  DELETE FROM sessions WHERE id_hash IN (
    SELECT id_hash FROM sessions WHERE expires_at <= ${ts('$1')}
    ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`;

interface SummaryRow {
  handle: string;
  tenant: string;
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  last_active_at: number;
  expires_at: number;
}

interface SessionRow extends SummaryRow {
  data: SessionData;
  absolute_expires_at: number;
  id_issued_at: number;
  lifetime_ms: number | null;
}

/** Options of {@link TypeOrmSessionStore}. */
export interface TypeOrmSessionStoreOptions {
  /**
   * Milliseconds an operation may take. Past it the call fails and its connection is thrown out of
   * the pool, since a query stuck on a half-open connection would otherwise hold it until the OS
   * gives up (minutes). `SessionModule` passes its `storeTimeout`. Default 3000.
   */
  queryTimeout?: number;
}

/** A PostgreSQL query runner can hand its connection back as broken, so the pool closes it. */
type ReleasableRunner = QueryRunner & { releasePostgresConnection?(error?: Error): Promise<void> };

/**
 * The default {@link SessionStore}: the `sessions` table in PostgreSQL, through a TypeORM
 * `DataSource`. Every operation is one SQL statement (cleanup: two, in a transaction).
 */
export class TypeOrmSessionStore implements SessionStore {
  private readonly queryTimeout: number;

  constructor(
    private readonly dataSource: DataSource,
    options: TypeOrmSessionStoreOptions = {},
  ) {
    this.queryTimeout = options.queryTimeout ?? 3000;
  }

  async get(idHash: string): Promise<StoredSession | null> {
    const rows: SessionRow[] = await this.query(SELECT_SESSION, [idHash]);
    return rows.length === 0 ? null : toStoredSession(rows[0]);
  }

  async create(idHash: string, session: StoredSession): Promise<void> {
    await this.query(INSERT_SESSION, [
      idHash,
      session.handle,
      session.tenant,
      JSON.stringify(session.data),
      session.createdAt,
      session.lastActiveAt,
      session.expiresAt,
      session.absoluteExpiresAt,
      session.idIssuedAt,
      session.lifetime,
      session.userId,
      session.ip,
      session.userAgent,
    ]);
  }

  async patch(idHash: string, patch: SessionPatch, now: number): Promise<boolean> {
    const result: [unknown[], number] = await this.query(PATCH_SESSION, [
      idHash,
      now,
      patch.unset,
      JSON.stringify(patch.set),
      patch.newIdHash ?? null,
      patch.lastActiveAt ?? null,
      patch.expiresAt ?? null,
      patch.absoluteExpiresAt ?? null,
      patch.lifetime !== undefined,
      patch.lifetime ?? null,
      patch.userId !== undefined,
      patch.userId ?? null,
      patch.ip ?? null,
      patch.userAgent ?? null,
      patch.idIssuedAt ?? null,
    ]);
    return result[1] > 0;
  }

  async listByUser(userId: string, tenant: string, now: number): Promise<SessionSummary[]> {
    const rows: SummaryRow[] = await this.query(LIST_BY_USER, [userId, tenant, now]);
    return rows.map(toSummary);
  }

  async destroyByHandle(userId: string, tenant: string, handle: string): Promise<SessionSummary | null> {
    const [rows]: [SummaryRow[], number] = await this.query(DESTROY_BY_HANDLE, [userId, tenant, handle]);
    return rows.length === 0 ? null : toSummary(rows[0]);
  }

  async destroyByUser(filter: UserSessionsFilter): Promise<SessionSummary[]> {
    const { userId, tenant, exceptHandle, keepNewest, now } = filter;
    const parameters = [userId, tenant, exceptHandle ?? null, keepNewest ?? 0, now ?? Date.now()];
    const [rows]: [SummaryRow[], number] = await this.query(DESTROY_BY_USER, parameters);
    return rows.map(toSummary);
  }

  async destroy(idHash: string): Promise<void> {
    await this.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    return this.withRunner(async (runner) => {
      await runner.startTransaction();
      try {
        const [{ locked }]: Array<{ locked: boolean }> = await runner.query(CLEANUP_LOCK);
        const result: [unknown[], number] | null = locked ? await runner.query(DELETE_EXPIRED, [now, limit]) : null;
        await runner.commitTransaction();
        return result?.[1] ?? 0;
      } catch (error) {
        await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's own result type
  private query(sql: string, parameters: unknown[]): Promise<any> {
    return this.withRunner((runner) => runner.query(sql, parameters));
  }

  /** Runs `work` on a pooled connection, bounded by `queryTimeout`; a timed-out connection is discarded. */
  private async withRunner<R>(work: (runner: QueryRunner) => Promise<R>): Promise<R> {
    const runner = this.dataSource.createQueryRunner() as ReleasableRunner;
    const pending = work(runner);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueryTimeoutError(this.queryTimeout)), this.queryTimeout);
    });
    try {
      const result = await Promise.race([pending, timeout]);
      await runner.release();
      return result;
    } catch (error) {
      if (error instanceof QueryTimeoutError) {
        pending.catch(() => undefined);
        // Once (if ever) the runner holds a connection, hand it back as broken: the pool closes it.
        runner.connect().then(
          () => (runner.releasePostgresConnection ? runner.releasePostgresConnection(error) : runner.release()),
          () => undefined,
        );
      } else {
        await runner.release();
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

class QueryTimeoutError extends Error {
  constructor(timeout: number) {
    super(`The session query did not finish within ${timeout} ms`);
  }
}

function toSummary(row: SummaryRow): SessionSummary {
  return {
    handle: row.handle,
    tenant: row.tenant,
    userId: row.user_id,
    createdAt: row.created_at,
    lastActiveAt: row.last_active_at,
    expiresAt: row.expires_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

function toStoredSession(row: SessionRow): StoredSession {
  return {
    ...toSummary(row),
    data: row.data,
    absoluteExpiresAt: row.absolute_expires_at,
    idIssuedAt: row.id_issued_at,
    lifetime: row.lifetime_ms,
  };
}
