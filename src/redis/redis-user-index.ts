import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { SessionLimitExceededError } from '../core/session.errors';
import type { SessionWriteOptions } from '../store/session-store.interface';
import type { SessionPatch, SessionSummary } from '../store/stored-session.interface';
import type { RedisSessionKeys } from './redis-keys';
import { RedisScript } from './redis-script';
import { FIELD, toSummary } from './redis-session-fields';
import { EXTEND_USER_INDEX, REGISTER_USER_SESSION } from './redis-scripts';
import type { RedisWriter } from './redis-writer';
import { REDIS_STORE_DEFAULTS } from './redis-session-store.options';

const SUMMARY_FIELDS = [
  FIELD.registration,
  FIELD.tenant,
  FIELD.userId,
  FIELD.createdAt,
  FIELD.lastActiveAt,
  FIELD.expiresAt,
  FIELD.ip,
  FIELD.userAgent,
] as const;

/** One entry of a user's index: a session registered to the user by one login. */
export interface IndexEntry {
  /** The member as stored: `[tenant, handle, registration]` in JSON. */
  member: string;
  tenant: string;
  handle: string;
  registration: string;
  /** Until when the login that registered it may still be writing the session (epoch ms). */
  pendingUntil: number;
}

/** An entry with what its session says of it now. */
export interface CheckedEntry extends IndexEntry {
  /** The session's summary while it still carries this registration; null once it does not. */
  summary: SessionSummary | null;
}

/** An entry whose session still carries it. */
export type LiveEntry = IndexEntry & { summary: SessionSummary };

/**
 * A user's sessions on Redis: a sorted set per user, holding one entry per login, and the session
 * itself holding the registration of its current login. The session's hash is the truth: an
 * entry counts only while its session carries the same registration. Entries are added before the
 * session is written, so every logged-in session is in its user's index; entries left behind (a
 * logout, an expiry, another login) are pruned when the user's sessions are next read.
 */
export class RedisUserIndex {
  private readonly register = new RedisScript(REGISTER_USER_SESSION, 1);
  private readonly extend = new RedisScript(EXTEND_USER_INDEX, 1);

  constructor(
    private readonly client: Redis | Cluster,
    private readonly keys: RedisSessionKeys,
    private readonly writer: RedisWriter,
  ) {}

  /**
   * Adds the session to the user's index and returns its registration. Under a limit, counting and
   * adding are one script on the index, so concurrent logins cannot pass it; entries it counts are
   * checked against their sessions, and dead ones pruned, before a login is refused.
   */
  async add(
    userId: string,
    tenant: string,
    handle: string,
    absoluteExpiresAt: number,
    options: SessionWriteOptions,
  ): Promise<IndexEntry> {
    const registration = randomBytes(12).toString('base64url');
    const member = JSON.stringify([tenant, handle, registration]);
    const pendingUntil = options.deadline ?? Date.now() + REDIS_STORE_DEFAULTS.pendingWithoutDeadline;
    const { limit } = options;
    const key = this.keys.user(userId);
    for (let round = 1; ; round++) {
      const until = this.keys.deleteAt(absoluteExpiresAt);
      const args = [member, pendingUntil, until, limit?.max ?? '', limit?.tenant ?? tenant, handle];
      const reply = await this.writer.run(this.register, key, args);
      if (!Array.isArray(reply) || !limit) {
        return { member, tenant, handle, registration, pendingUntil };
      }
      const counted = await this.check(parseEntries(reply.map(String), limit.tenant));
      const dead = counted.filter((entry) => !isLive(entry, limit.now));
      // A session re-logged in has several entries: it counts once.
      const liveSessions = new Set(counted.filter((entry) => !dead.includes(entry)).map((entry) => entry.handle));
      if (liveSessions.size >= limit.max || round === REDIS_STORE_DEFAULTS.admitRounds) {
        throw new SessionLimitExceededError(limit.max);
      }
      if (dead.length > 0) {
        await this.client.zrem(key, ...dead.map((entry) => entry.member));
      }
    }
  }

  /**
   * Before a patch that logs a user in, or moves the absolute expiry of a logged-in session: the
   * user's index gets the session first, so a logged-in session is never missing from it.
   */
  async beforePatch(handle: string, patch: SessionPatch, options: SessionWriteOptions): Promise<IndexEntry | null> {
    if (patch.userId === undefined && patch.absoluteExpiresAt === undefined) {
      return null;
    }
    const [tenant, userId, absolute] = await this.client.hmget(
      this.keys.session(handle),
      FIELD.tenant,
      FIELD.userId,
      FIELD.absoluteExpiresAt,
    );
    const absoluteExpiresAt = patch.absoluteExpiresAt ?? Number(absolute);
    if (tenant === null) {
      return null;
    }
    if (typeof patch.userId === 'string') {
      return this.add(patch.userId, tenant, handle, absoluteExpiresAt, options);
    }
    if (patch.userId === undefined && userId !== null) {
      await this.keepUntil(userId, absoluteExpiresAt);
    }
    return null;
  }

  /** Takes an entry out (its login did not happen, or its session is gone). */
  async remove(userId: string, member: string): Promise<void> {
    await this.client.zrem(this.keys.user(userId), member);
  }

  /** Keeps the user's index at least until a session's new absolute expiry. */
  async keepUntil(userId: string, absoluteExpiresAt: number): Promise<void> {
    await this.extend.run(this.client, [this.keys.user(userId)], [this.keys.deleteAt(absoluteExpiresAt)]);
  }

  /** The user's entries in the tenant (`null`: in every tenant) whose sessions still carry them; dead ones are pruned. */
  async entries(userId: string, tenant: string | null): Promise<LiveEntry[]> {
    const key = this.keys.user(userId);
    const entries = parseEntries(await this.client.zrange(key, 0, -1, 'WITHSCORES'), tenant);
    const checked = await this.check(entries);
    const abandoned = checked.filter((entry) => entry.summary === null && entry.pendingUntil < Date.now());
    if (abandoned.length > 0) {
      await this.client.zrem(key, ...abandoned.map((entry) => entry.member));
    }
    return checked.filter((entry): entry is LiveEntry => entry.summary !== null);
  }

  private check(entries: IndexEntry[]): Promise<CheckedEntry[]> {
    return Promise.all(
      entries.map(async (entry) => {
        const values = await this.client.hmget(this.keys.session(entry.handle), ...SUMMARY_FIELDS);
        const hash = Object.fromEntries(SUMMARY_FIELDS.map((field, i) => [field, values[i]]));
        const current = hash[FIELD.registration] === entry.registration;
        return { ...entry, summary: current ? toSummary(entry.handle, hash) : null };
      }),
    );
  }
}

/** Whether an entry counts against a limit at `now`: its session is live, or its login may still be writing it. */
function isLive(entry: CheckedEntry, now: number): boolean {
  return entry.summary ? entry.summary.expiresAt > now : entry.pendingUntil >= Date.now();
}

/** Entries from a member/score list, in the tenant (`null`: any); members that are not entries are skipped. */
function parseEntries(withScores: string[], tenant: string | null): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (let i = 0; i < withScores.length; i += 2) {
    const entry = parseEntry(withScores[i], Number(withScores[i + 1]));
    if (entry && (tenant === null || entry.tenant === tenant)) {
      entries.push(entry);
    }
  }
  return entries;
}

function parseEntry(member: string, pendingUntil: number): IndexEntry | null {
  try {
    const [tenant, handle, registration] = JSON.parse(member) as [unknown, unknown, unknown];
    if (typeof tenant === 'string' && typeof handle === 'string' && typeof registration === 'string') {
      return { member, tenant, handle, registration, pendingUntil };
    }
  } catch {
    // Not an entry of ours: skipped.
  }
  return null;
}
