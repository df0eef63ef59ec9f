import type { Cluster, Redis } from 'ioredis';
import type { SessionSummary } from '../store/stored-session.interface';
import type { RedisChangeChannel } from './redis-change-channel';
import type { RedisSessionKeys } from './redis-keys';
import { RedisScript } from './redis-script';
import { toSummary } from './redis-session-fields';
import { DESTROY_SESSION } from './redis-scripts';
import type { RedisWriter } from './redis-writer';

/** Which session a deletion may take: any, only while it has a login's registration, or only the user's in the tenant. */
export type DestroyCondition =
  { mode: 'any' } | { mode: 'registration'; registration: string } | { mode: 'owner'; userId: string; tenant: string };

/** Where a session's ID went, as the patch script reports it. */
export interface IdMove {
  idHash: string;
  movedFrom: string;
  forgotten: string;
  absoluteExpiresAt: string;
  previousUntil: string;
}

/**
 * Deletes sessions, announcing each on the change channel, and keeps the ID pointers and users'
 * indexes in step with the session hashes, which are the truth: the session is deleted (or moved)
 * first, in one script, and is then gone (or under its new ID only) for every reader; the pointers
 * and the index entry it leaves are tidied after, and any left by a failure expire or are pruned on
 * their own.
 */
export class RedisSessionRemover {
  private readonly destroyScript = new RedisScript(DESTROY_SESSION, 1);

  constructor(
    private readonly client: Redis | Cluster,
    private readonly keys: RedisSessionKeys,
    private readonly writer: RedisWriter,
    private readonly changes: RedisChangeChannel,
  ) {}

  /** Deletes the session if the condition holds, and announces it gone; returns its summary, or null when nothing was deleted. */
  async destroy(handle: string, condition: DestroyCondition): Promise<SessionSummary | null> {
    const args =
      condition.mode === 'any'
        ? ['any']
        : condition.mode === 'registration'
          ? ['registration', condition.registration]
          : ['owner', condition.userId, condition.tenant];
    const reply = await this.writer.run(this.destroyScript, this.keys.session(handle), args);
    if (!Array.isArray(reply)) {
      return null;
    }
    const [idHash, previousIdHash, userId, registration, tenant, c, a, e, ip, ua] = reply as Array<string | null>;
    const tidying: Array<Promise<unknown>> = [this.client.del(this.keys.pointer(idHash as string))];
    if (previousIdHash !== null) {
      tidying.push(this.client.del(this.keys.pointer(previousIdHash)));
    }
    if (userId !== null) {
      tidying.push(this.client.zrem(this.keys.user(userId), JSON.stringify([tenant, handle, registration])));
    }
    tidying.push(this.changes.announce(handle, null));
    await Promise.all(tidying);
    return toSummary(handle, { t: tenant, u: userId, c, a, e, ip, ua });
  }

  /** After an ID change: the new ID finds the session; the old one for the grace period or not at all. */
  async moved(handle: string, move: IdMove): Promise<void> {
    const tidying: Array<Promise<unknown>> = [
      this.writer.point(this.keys.pointer(move.idHash), handle, this.keys.deleteAt(move.absoluteExpiresAt)),
    ];
    if (move.previousUntil !== '') {
      tidying.push(this.client.pexpireat(this.keys.pointer(move.movedFrom), move.previousUntil));
    } else {
      tidying.push(this.client.del(this.keys.pointer(move.movedFrom)));
    }
    if (move.forgotten !== '' && move.forgotten !== move.movedFrom) {
      tidying.push(this.client.del(this.keys.pointer(move.forgotten)));
    }
    await Promise.all(tidying);
  }
}
