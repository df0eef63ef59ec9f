import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SessionPatch, SessionSummary, StoredSession } from '../store/stored-session.interface';
import type { SessionStore, SessionStoreCallOptions, SessionWriteOptions } from '../store/session-store.interface';
import type { SessionUserIndex, UserSessionsFilter } from '../store/session-user-index.interface';
import type { SessionExpiry } from '../store/session-expiry.interface';
import {
  SessionChangedError,
  SessionLimitExceededError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
} from '../core/session.errors';
import type {
  SessionChangeListener,
  SessionChanges,
  SessionChangeSubscription,
} from '../store/session-changes.interface';
import { PgChangeChannel } from './pg-change-channel';
import { PooledQueries, type PgResult, type StatementRunner } from './pooled-queries';
import {
  CLEANUP_LOCK,
  COUNT_OTHER_SESSIONS,
  DELETE_EXPIRED,
  changeStatements,
  INSERT_SESSION,
  LIST_BY_USER,
  SELECT_SESSION,
  type SessionRow,
  type SummaryRow,
  toStoredSession,
  toSummary,
  USER_LOCK,
  type WriteVerdictRow,
} from './session-sql';

/**
 * The {@link SessionStore} for PostgreSQL: the `sessions` table, on the connection pool of a TypeORM
 * `DataSource`. Every operation is one prepared SQL statement, without entity hydration; cleanup
 * and logins under a session limit take a few, in a transaction bounded on the server. Give the
 * class as `store` to use the app's default `DataSource`, or an instance for another one. It keeps
 * the per-user index and deletes expired sessions on request (`SessionUserIndex`, `SessionExpiry`).
 */
@Injectable()
export class TypeOrmSessionStore implements SessionStore, SessionUserIndex, SessionExpiry, SessionChanges {
  private readonly queries: PooledQueries;
  /** Once something subscribed, every change is announced on the change channel. */
  private statements = changeStatements(false);

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.queries = new PooledQueries(dataSource);
  }

  /**
   * Announces every change from now on (`NOTIFY`, in the statement that makes it, so in its
   * transaction) and delivers every instance's to `listener`, on a connection of its own (`LISTEN`).
   */
  subscribeToChanges(listener: SessionChangeListener): SessionChangeSubscription {
    this.statements = changeStatements(true);
    return PgChangeChannel.open(this.dataSource, listener);
  }

  async get(idHash: string, options: SessionStoreCallOptions = {}): Promise<StoredSession | null> {
    const { rows } = await this.queries.query<SessionRow>('get', SELECT_SESSION, [idHash], options);
    return rows.length === 0 ? null : toStoredSession(rows[0]);
  }

  async create(idHash: string, session: StoredSession, options: SessionWriteOptions): Promise<void> {
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
    const { patch: statement } = this.statements;
    const { rows } = await this.write(handle, options, statement.name, statement.text, [
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
      patch.ifVersion ?? null,
    ]);
    return rows.length === 0 ? null : enforceVerdict(rows[0], options);
  }

  async destroy(handle: string, options: SessionStoreCallOptions = {}): Promise<void> {
    const { name, text } = this.statements.destroy;
    await this.queries.query(name, text, [handle], options);
  }

  async listByUser(
    userId: string,
    tenant: string,
    now: number,
    options: SessionStoreCallOptions = {},
  ): Promise<SessionSummary[]> {
    const values = [userId, tenant, now];
    const { rows } = await this.queries.query<SummaryRow>('list_by_user', LIST_BY_USER, values, options);
    return rows.map(toSummary);
  }

  async destroyByHandle(
    userId: string,
    tenant: string,
    handle: string,
    options: SessionStoreCallOptions = {},
  ): Promise<SessionSummary | null> {
    const values = [userId, tenant, handle];
    const { name, text } = this.statements.destroyByHandle;
    const { rows } = await this.queries.query<SummaryRow>(name, text, values, options);
    return rows.length === 0 ? null : toSummary(rows[0]);
  }

  async destroyByUser(filter: UserSessionsFilter, options: SessionStoreCallOptions = {}): Promise<SessionSummary[]> {
    const { userId, tenant, exceptHandle, keepNewest, now } = filter;
    const values = [userId, tenant, exceptHandle ?? null, keepNewest ?? 0, now ?? Date.now()];
    const { name, text } = this.statements.destroyByUser;
    const { rows } = await this.queries.query<SummaryRow>(name, text, values, options);
    return rows.map(toSummary);
  }

  /** Null when another instance holds the cleanup lock (see `CLEANUP_LOCK`). */
  async deleteExpired(now: number, limit: number, options: SessionStoreCallOptions = {}): Promise<number | null> {
    return this.queries.transaction(async (statement) => {
      const { rows } = await statement<{ locked: boolean }>('cleanup_lock', CLEANUP_LOCK, []);
      if (!rows[0].locked) {
        return null;
      }
      return (await statement('delete_expired', DELETE_EXPIRED, [now, limit])).rowCount ?? 0;
    }, options);
  }

  /** One statement; with a limit, in a transaction that counts the user's other sessions first, under the user's lock. */
  private async write(
    handle: string,
    options: SessionWriteOptions,
    name: string,
    text: string,
    values: unknown[],
  ): Promise<PgResult<WriteVerdictRow>> {
    const { limit } = options;
    if (!limit) {
      return this.queries.query<WriteVerdictRow>(name, text, values, options);
    }
    return this.queries.transaction(async (statement: StatementRunner) => {
      await statement('user_lock', USER_LOCK, [limit.tenant, limit.userId]);
      const countValues = [limit.userId, limit.tenant, handle, limit.now];
      const { rows } = await statement<{ count: number }>('count_other_sessions', COUNT_OTHER_SESSIONS, countValues);
      if (rows[0].count >= limit.max) {
        throw new SessionLimitExceededError(limit.max);
      }
      return statement<WriteVerdictRow>(name, text, values);
    }, options);
  }
}

/** The ID hash a write left, or the error for a write the database refused to apply (too late, changed meanwhile, too large). */
function enforceVerdict(verdict: WriteVerdictRow, options: SessionWriteOptions): string | null {
  if (!verdict.in_time) {
    throw new SessionStoreUnavailableError(
      'The session write reached PostgreSQL after the app stopped waiting for it (a slow network, or a database clock ahead of this server), so it was not applied',
    );
  }
  if (verdict.live && verdict.current === false) {
    throw new SessionChangedError();
  }
  if (verdict.live && verdict.id_hash === null && options.maxBytes !== undefined && verdict.size > options.maxBytes) {
    throw new SessionTooLargeError(verdict.size, options.maxBytes);
  }
  return verdict.id_hash;
}
