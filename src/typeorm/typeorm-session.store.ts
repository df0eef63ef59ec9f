import { Inject, Injectable, Optional, type Type } from '@nestjs/common';
import { SELF_DECLARED_DEPS_METADATA } from '@nestjs/common/constants';
import { DataSource } from 'typeorm';
import type { SessionPatch, SessionSummary, StoredSession } from '../store/stored-session.interface';
import type { SessionStore, SessionStoreCallOptions, SessionWriteOptions } from '../store/session-store.interface';
import type { SessionUserIndex, UserSessionsFilter } from '../store/session-user-index.interface';
import type { SessionExpiry } from '../store/session-expiry.interface';
import type { SessionStoreCheck } from '../store/session-store-check.interface';
import { SessionLimitExceededError } from '../core/session.errors';
import type {
  SessionChangeListener,
  SessionChanges,
  SessionChangeSubscription,
} from '../store/session-changes.interface';
import { PgChangeChannel } from './pg-change-channel';
import { PooledQueries, type PgResult, type StatementRunner } from './pooled-queries';
import { type SessionRow, type SummaryRow, toStoredSession, toSummary, type WriteVerdictRow } from './session-rows';
import { enforceVerdict } from './write-verdict';
import { changeStatements, sessionStatements, type SessionStatements } from './session-sql';
import { checkSessionTable } from './session-table-check';
import { resolveSessionTable, type SessionTable, type SessionTableOptions } from './session-table';

/** Options of {@link TypeOrmSessionStore}: where its table is. */
export type TypeOrmSessionStoreOptions = SessionTableOptions;

/** Injection token of the options {@link TypeOrmSessionStore.with} binds. */
const STORE_OPTIONS = Symbol.for('SESSION:TYPEORM_STORE_OPTIONS');

/**
 * The {@link SessionStore} for PostgreSQL: the session table, on the connection pool of a TypeORM
 * `DataSource`. Every operation is one prepared SQL statement, without entity hydration; cleanup
 * and logins under a session limit take a few, in a transaction bounded on the server. Give the
 * class as `store` to use the app's default `DataSource`, or an instance for another one. It keeps
 * the per-user index and deletes expired sessions on request (`SessionUserIndex`, `SessionExpiry`).
 *
 * The table is `SessionEntity`'s on the DataSource when it is registered there (so the DataSource's
 * `schema` is followed), else `sessions`; `TypeOrmSessionStore.with({ schema, tableName })` or
 * `new TypeOrmSessionStore(dataSource, { schema, tableName })` names another. At start-up the module
 * checks that the table and its columns exist (`checkStore`).
 */
@Injectable()
export class TypeOrmSessionStore
  implements SessionStore, SessionUserIndex, SessionExpiry, SessionChanges, SessionStoreCheck
{
  private readonly queries: PooledQueries;
  private readonly table: SessionTable;
  private readonly sql: SessionStatements;
  /** Once something subscribed, every change is announced on the change channel. */
  private statements: ReturnType<typeof changeStatements>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Optional() @Inject(STORE_OPTIONS) options: TypeOrmSessionStoreOptions = {},
  ) {
    this.table = resolveSessionTable(dataSource, options ?? {});
    this.sql = sessionStatements(this.table);
    this.statements = changeStatements(this.sql, false);
    this.queries = new PooledQueries(dataSource, this.table.isDefault ? '' : this.table.path);
  }

  /**
   * The store class to give as `store`, on the app's default DataSource, with its table elsewhere:
   * `store: TypeOrmSessionStore.with({ schema: 'auth', tableName: 'user_sessions' })`.
   */
  static with(options: TypeOrmSessionStoreOptions): Type<TypeOrmSessionStore> {
    class BoundTypeOrmSessionStore extends TypeOrmSessionStore {
      constructor(dataSource: DataSource) {
        super(dataSource, options);
      }
    }
    // Its own constructor metadata: what it inherits would ask Nest for the options token as well.
    Reflect.defineMetadata('design:paramtypes', [DataSource], BoundTypeOrmSessionStore);
    Reflect.defineMetadata(SELF_DECLARED_DEPS_METADATA, [{ index: 0, param: DataSource }], BoundTypeOrmSessionStore);
    return BoundTypeOrmSessionStore;
  }

  /** Rejects with a `SessionConfigurationError` naming the fix when the table or one of its columns is missing. */
  async checkStore(options: SessionStoreCallOptions = {}): Promise<void> {
    await checkSessionTable(this.queries, this.table, options);
  }

  /**
   * Announces every change from now on (`NOTIFY`, in the statement that makes it, so in its
   * transaction) and delivers every instance's to `listener`, on a connection of its own (`LISTEN`).
   */
  subscribeToChanges(listener: SessionChangeListener): SessionChangeSubscription {
    this.statements = changeStatements(this.sql, true);
    return PgChangeChannel.open(this.dataSource, this.table.channel, listener);
  }

  async get(idHash: string, options: SessionStoreCallOptions = {}): Promise<StoredSession | null> {
    const { rows } = await this.queries.query<SessionRow>('get', this.sql.selectSession, [idHash], options);
    return rows.length === 0 ? null : toStoredSession(rows[0]);
  }

  async create(idHash: string, session: StoredSession, options: SessionWriteOptions): Promise<void> {
    const { rows } = await this.write(session.handle, options, 'create', this.sql.insertSession, [
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
    const { rows } = await this.queries.query<SummaryRow>('list_by_user', this.sql.listByUser, values, options);
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
      const { rows } = await statement<{ locked: boolean }>('cleanup_lock', this.sql.cleanupLock, []);
      if (!rows[0].locked) {
        return null;
      }
      return (await statement('delete_expired', this.sql.deleteExpired, [now, limit])).rowCount ?? 0;
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
      await statement('user_lock', this.sql.userLock, [limit.tenant, limit.userId]);
      const countValues = [limit.userId, limit.tenant, handle, limit.now];
      const { rows } = await statement<{ count: number }>(
        'count_other_sessions',
        this.sql.countOtherSessions,
        countValues,
      );
      if (rows[0].count >= limit.max) {
        throw new SessionLimitExceededError(limit.max);
      }
      return statement<WriteVerdictRow>(name, text, values);
    }, options);
  }
}
