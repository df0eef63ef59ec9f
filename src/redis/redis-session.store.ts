import type { OnApplicationShutdown } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { SessionChangedError, SessionStoreUnavailableError, SessionTooLargeError } from '../core/session.errors';
import type {
  SessionChangeListener,
  SessionChanges,
  SessionChangeSubscription,
} from '../store/session-changes.interface';
import type { SessionStoreCheck } from '../store/session-store-check.interface';
import type { SessionStore, SessionWriteOptions } from '../store/session-store.interface';
import type { SessionUserIndex, UserSessionsFilter } from '../store/session-user-index.interface';
import type { SessionPatch, SessionSummary, StoredSession } from '../store/stored-session.interface';
import { RedisChangeChannel } from './redis-change-channel';
import { connectRedis } from './redis-connection';
import { RedisSessionKeys } from './redis-keys';
import { RedisScript, type ScriptReply } from './redis-script';
import { createArgs, patchArgs } from './redis-script-args';
import { REDIS_STORE_DEFAULTS, type RedisSessionStoreOptions } from './redis-session-store.options';
import { CREATE_SESSION, PATCH_SESSION } from './redis-scripts';
import { RedisSessionReader } from './redis-session-reader';
import { RedisSessionRemover } from './redis-session-remover';
import { RedisUserIndex, type IndexEntry } from './redis-user-index';
import { RedisWriter } from './redis-writer';

/**
 * The {@link SessionStore} for Redis, Valkey and Redis Cluster, on ioredis. A session is one hash
 * (a field per session key, so concurrent requests changing different keys both survive) that
 * Redis deletes when the session expires: no cleanup job runs. Every write is one Lua script on
 * that hash, which checks the size limit and the write's deadline where it applies the change.
 * It keeps the per-user index (`SessionUserIndex`) and announces changes on a pub/sub channel
 * (`SessionChanges`, for the session cache); see `docs/stores.md` for the key layout and what is
 * atomic on a cluster.
 *
 * ```ts
 * SessionModule.forRoot({ secret, store: new RedisSessionStore({ url: process.env.REDIS_URL }) })
 * ```
 */
export class RedisSessionStore
  implements SessionStore, SessionUserIndex, SessionChanges, SessionStoreCheck, OnApplicationShutdown
{
  private readonly client: Redis | Cluster;
  private readonly owned: boolean;
  private readonly keys: RedisSessionKeys;
  private readonly index: RedisUserIndex;
  private readonly writer: RedisWriter;
  private readonly remover: RedisSessionRemover;
  private readonly changes: RedisChangeChannel;
  private readonly reader: RedisSessionReader;
  private readonly createScript = new RedisScript(CREATE_SESSION, 1);
  private readonly patchScript = new RedisScript(PATCH_SESSION, 1);

  constructor(options: RedisSessionStoreOptions) {
    ({ client: this.client, owned: this.owned } = connectRedis(options));
    this.keys = new RedisSessionKeys(
      options.prefix ?? REDIS_STORE_DEFAULTS.prefix,
      options.keepExpiredFor ?? REDIS_STORE_DEFAULTS.keepExpiredFor,
    );
    this.writer = new RedisWriter(
      this.client,
      options.waitForReplicas ?? REDIS_STORE_DEFAULTS.waitForReplicas,
      options.replicaTimeout ?? REDIS_STORE_DEFAULTS.replicaTimeout,
    );
    this.index = new RedisUserIndex(this.client, this.keys, this.writer);
    this.changes = new RedisChangeChannel(
      this.client,
      `${this.keys.prefix}changes`,
      REDIS_STORE_DEFAULTS.changeChannel,
    );
    this.remover = new RedisSessionRemover(this.client, this.keys, this.writer, this.changes);
    this.reader = new RedisSessionReader(this.client, this.keys);
  }

  get(idHash: string): Promise<StoredSession | null> {
    return this.reader.get(idHash);
  }

  async create(idHash: string, session: StoredSession, options: SessionWriteOptions): Promise<void> {
    const entry =
      session.userId === null
        ? null
        : await this.index.add(session.userId, session.tenant, session.handle, session.absoluteExpiresAt, options);
    const [reply] = await Promise.all([
      this.writer.run(
        this.createScript,
        this.keys.session(session.handle),
        createArgs(idHash, session, options, entry?.registration ?? null, this.keys),
      ),
      this.writer.point(this.keys.pointer(idHash), session.handle, this.keys.deleteAt(session.absoluteExpiresAt)),
    ]);
    await this.settle(reply, options, session.userId, entry);
  }

  async patch(handle: string, patch: SessionPatch, options: SessionWriteOptions): Promise<string | null> {
    const entry = await this.index.beforePatch(handle, patch, options);
    const args = patchArgs(patch, options, entry?.registration ?? null, this.keys);
    const reply = await this.writer.run(this.patchScript, this.keys.session(handle), args);
    if (!(await this.settle(reply, options, patch.userId ?? null, entry))) {
      return null;
    }
    const [, , idHash, movedFrom, forgotten, absoluteExpiresAt, previousUntil, version] = (reply as string[]).map(
      String,
    );
    await Promise.all([
      movedFrom !== '' &&
        this.remover.moved(handle, { idHash, movedFrom, forgotten, absoluteExpiresAt, previousUntil }),
      this.changes.announce(handle, Number(version)),
    ]);
    return idHash;
  }

  async destroy(handle: string): Promise<void> {
    await this.remover.destroy(handle, { mode: 'any' });
  }

  async listByUser(userId: string, tenant: string, now: number): Promise<SessionSummary[]> {
    const entries = await this.index.entries(userId, tenant);
    return entries
      .map((entry) => entry.summary)
      .filter((summary) => summary.expiresAt > now)
      .sort(byLastActivity);
  }

  async destroyByHandle(userId: string, tenant: string, handle: string): Promise<SessionSummary | null> {
    return this.remover.destroy(handle, { mode: 'owner', userId, tenant });
  }

  async destroyByUser(filter: UserSessionsFilter): Promise<SessionSummary[]> {
    const now = filter.now ?? Date.now();
    const entries = (await this.index.entries(filter.userId, filter.tenant)).filter(
      (entry) => entry.handle !== filter.exceptHandle,
    );
    const live = entries
      .filter(({ summary }) => summary.expiresAt > now)
      .sort((a, b) => byLastActivity(a.summary, b.summary));
    const doomed = [
      ...live.slice(filter.keepNewest ?? 0),
      ...entries.filter(({ summary }) => summary.expiresAt <= now),
    ];
    const deleted = await Promise.all(
      doomed.map((entry) =>
        this.remover.destroy(entry.handle, { mode: 'registration', registration: entry.registration }),
      ),
    );
    return deleted.filter((summary): summary is SessionSummary => summary !== null);
  }

  /**
   * A `PING`, which the module sends at start-up (`checkStoreOnStart`): a Redis that does not answer
   * stops the app from starting, as a missing database would.
   */
  async checkStore(): Promise<void> {
    try {
      await this.client.ping();
    } catch (error) {
      throw new SessionStoreUnavailableError(
        `Redis did not answer PING: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
  }

  subscribeToChanges(listener: SessionChangeListener): SessionChangeSubscription {
    return this.changes.subscribe(listener);
  }

  /** Ends the change subscriptions, and closes the connection the store opened (not a client the app gave it). */
  async close(): Promise<void> {
    await this.changes.close();
    if (!this.owned || this.client.status === 'end') {
      return;
    }
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      // Not connected (the server is down, or it is still connecting): QUIT would wait for it, forever.
      this.client.disconnect();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Whether the script applied the write; throws for a write refused as late, too large or changed. Undoes the index entry of a write not applied. */
  private async settle(
    reply: ScriptReply,
    options: SessionWriteOptions,
    userId: string | null,
    entry: IndexEntry | null,
  ): Promise<boolean> {
    const [verdict, size] = reply as [string, number];
    if (verdict !== 'ok' && entry && userId !== null) {
      await this.index.remove(userId, entry.member);
    }
    if (verdict === 'late') {
      throw new SessionStoreUnavailableError(
        'The session write reached Redis after the app stopped waiting for it (a slow network, or a Redis clock ahead of this server), so it was not applied',
      );
    }
    if (verdict === 'large') {
      throw new SessionTooLargeError(Number(size), options.maxBytes as number);
    }
    if (verdict === 'changed') {
      throw new SessionChangedError();
    }
    return verdict === 'ok';
  }
}

function byLastActivity(a: SessionSummary, b: SessionSummary): number {
  return b.lastActiveAt - a.lastActiveAt;
}
