import type { DataSource } from 'typeorm';
import type {
  SessionPatch,
  SessionStore,
  SessionWriteOptions,
  SessionSummary,
  StoredSession,
  UserSessionsFilter,
} from '../store/session-store.interface';
import { SessionLimitExceededError, SessionStoreUnavailableError, SessionTooLargeError } from '../core/session.errors';
import { PooledQueries, type PgResult, type StatementRunner } from './pooled-queries';
import {
  CLEANUP_LOCK,
  COUNT_OTHER_SESSIONS,
  DELETE_EXPIRED,
  DESTROY_BY_HANDLE,
  DESTROY_BY_USER,
  DESTROY_SESSION,
  INSERT_SESSION,
  LIST_BY_USER,
  PATCH_SESSION,
  SELECT_SESSION,
  type SessionRow,
  type SummaryRow,
  toStoredSession,
  toSummary,
  USER_LOCK,
  type WriteVerdictRow,
} from './session-sql';

/** Options of {@link TypeOrmSessionStore}. */
export interface TypeOrmSessionStoreOptions {
  /**
   * Milliseconds an operation may take. Past it the call fails and its connection is thrown out of
   * the pool, since a query stuck on a half-open connection would otherwise hold it until the OS
   * gives up (minutes). `SessionModule` passes its `storeTimeout`. Default 3000.
   */
  queryTimeout?: number;
}

/**
 * The default {@link SessionStore}: the `sessions` table in PostgreSQL, on the connection pool of a
 * TypeORM `DataSource`. Every operation is one prepared SQL statement, without entity hydration;
 * cleanup and logins under a session limit take a few, in a transaction.
 */
export class TypeOrmSessionStore implements SessionStore {
  private readonly queries: PooledQueries;

  constructor(dataSource: DataSource, options: TypeOrmSessionStoreOptions = {}) {
    this.queries = new PooledQueries(dataSource, options.queryTimeout ?? 3000);
  }

  async get(idHash: string): Promise<StoredSession | null> {
    const { rows } = await this.queries.query<SessionRow>('get', SELECT_SESSION, [idHash]);
    return rows.length === 0 ? null : toStoredSession(rows[0]);
  }

  async create(
    idHash: string,
    session: StoredSession,
    options: SessionWriteOptions = { now: Date.now() },
  ): Promise<void> {
    const { rows } = await this.write(session.handle, options, 'create', INSERT_SESSION, [
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
      options.deadline ?? null,
      options.maxBytes ?? null,
    ]);
    enforceVerdict(rows[0], options);
  }

  async patch(handle: string, patch: SessionPatch, options: SessionWriteOptions): Promise<string | null> {
    const { rows } = await this.write(handle, options, 'patch', PATCH_SESSION, [
      handle,
      options.now,
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
      patch.idIssuedAt ?? options.now,
      options.deadline ?? null,
      patch.ifIdHash ?? null,
      options.maxBytes ?? null,
      patch.keepPreviousFor ?? null,
    ]);
    return rows.length === 0 ? null : enforceVerdict(rows[0], options);
  }

  async destroy(handle: string): Promise<void> {
    await this.queries.query('destroy', DESTROY_SESSION, [handle]);
  }

  async listByUser(userId: string, tenant: string, now: number): Promise<SessionSummary[]> {
    const { rows } = await this.queries.query<SummaryRow>('list_by_user', LIST_BY_USER, [userId, tenant, now]);
    return rows.map(toSummary);
  }

  async destroyByHandle(userId: string, tenant: string, handle: string): Promise<SessionSummary | null> {
    const values = [userId, tenant, handle];
    const { rows } = await this.queries.query<SummaryRow>('destroy_by_handle', DESTROY_BY_HANDLE, values);
    return rows.length === 0 ? null : toSummary(rows[0]);
  }

  async destroyByUser(filter: UserSessionsFilter): Promise<SessionSummary[]> {
    const { userId, tenant, exceptHandle, keepNewest, now } = filter;
    const values = [userId, tenant, exceptHandle ?? null, keepNewest ?? 0, now ?? Date.now()];
    const { rows } = await this.queries.query<SummaryRow>('destroy_by_user', DESTROY_BY_USER, values);
    return rows.map(toSummary);
  }

  /** Null when another instance holds the cleanup lock (see `CLEANUP_LOCK`). */
  async deleteExpired(now: number, limit: number): Promise<number | null> {
    return this.queries.transaction(async (statement) => {
      const { rows } = await statement<{ locked: boolean }>('cleanup_lock', CLEANUP_LOCK, []);
      if (!rows[0].locked) {
        return null;
      }
      return (await statement('delete_expired', DELETE_EXPIRED, [now, limit])).rowCount ?? 0;
    });
  }

  /** One statement; with a limit, in a transaction that counts the user's other sessions first, under the user's lock. */
  private async write(
    handle: string,
    { limit }: SessionWriteOptions,
    name: string,
    text: string,
    values: unknown[],
  ): Promise<PgResult<WriteVerdictRow>> {
    if (!limit) {
      return this.queries.query<WriteVerdictRow>(name, text, values);
    }
    return this.queries.transaction(async (statement: StatementRunner) => {
      await statement('user_lock', USER_LOCK, [limit.tenant, limit.userId]);
      const countValues = [limit.userId, limit.tenant, handle, limit.now];
      const { rows } = await statement<{ count: number }>('count_other_sessions', COUNT_OTHER_SESSIONS, countValues);
      if (rows[0].count >= limit.max) {
        throw new SessionLimitExceededError(limit.max);
      }
      return statement<WriteVerdictRow>(name, text, values);
    });
  }
}

/** The ID hash a write left, or the error for a write the database refused to apply (too late, too large). */
function enforceVerdict(verdict: WriteVerdictRow, options: SessionWriteOptions): string | null {
  if (!verdict.in_time) {
    throw new SessionStoreUnavailableError(
      'The session write reached PostgreSQL after the app stopped waiting for it (a slow network, or a database clock ahead of this server), so it was not applied',
    );
  }
  if (verdict.live && verdict.id_hash === null && options.maxBytes !== undefined && verdict.size > options.maxBytes) {
    throw new SessionTooLargeError(verdict.size, options.maxBytes);
  }
  return verdict.id_hash;
}
