import type { DataSource } from 'typeorm';
import type {
  SessionPatch,
  SessionStore,
  SessionSummary,
  StoredSession,
  UserSessionsFilter,
} from '../session-store.interface';
import { PooledQueries } from './pooled-queries';
import {
  CLEANUP_LOCK,
  DELETE_EXPIRED,
  DESTROY_BY_HANDLE,
  DESTROY_BY_USER,
  INSERT_SESSION,
  LIST_BY_USER,
  PATCH_SESSION,
  SELECT_SESSION,
  type SessionRow,
  type SummaryRow,
  toStoredSession,
  toSummary,
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
 * TypeORM `DataSource`. Every operation is one prepared SQL statement (cleanup: two, in a
 * transaction), without entity hydration.
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

  async create(idHash: string, session: StoredSession): Promise<void> {
    await this.queries.query('create', INSERT_SESSION, [
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
    const { rowCount } = await this.queries.query('patch', PATCH_SESSION, [
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
    return (rowCount ?? 0) > 0;
  }

  async destroy(idHash: string): Promise<void> {
    await this.queries.query('destroy', 'DELETE FROM sessions WHERE id_hash = $1', [idHash]);
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

  async deleteExpired(now: number, limit: number): Promise<number> {
    return this.queries.withClient(async (client) => {
      await client.query({ text: 'BEGIN' });
      try {
        const { rows } = await client.query({ text: CLEANUP_LOCK });
        const deleted = rows[0].locked ? await client.query({ text: DELETE_EXPIRED, values: [now, limit] }) : null;
        await client.query({ text: 'COMMIT' });
        return deleted?.rowCount ?? 0;
      } catch (error) {
        await client.query({ text: 'ROLLBACK' }).catch(() => undefined);
        throw error;
      }
    });
  }
}
