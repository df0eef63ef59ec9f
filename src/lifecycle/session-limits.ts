import { Inject, Injectable } from '@nestjs/common';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import type { RequestSession } from '../core/request-session';
import { SessionCache } from '../cache/session-cache';
import { SessionEventPublisher } from '../events/session-event-publisher';
import type { ResolvedSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import type { UserSessionLimit } from '../store/session-user-index.interface';

/** `maxSessionsPerUser`: what the store checks as it writes a login, and the eviction after it. */
@Injectable()
export class SessionLimits {
  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly store: BoundedStore,
    private readonly events: SessionEventPublisher,
    private readonly cache: SessionCache,
  ) {}

  /**
   * Under the `'refuse'` policy, the limit a login's write carries: the store refuses it when it
   * would pass `maxSessionsPerUser`, even when logins of one user come at once.
   */
  limitFor(session: RequestSession, now: number): UserSessionLimit | undefined {
    const max = this.options.maxSessionsPerUser;
    const { userId, tenant } = session.record;
    const applies = this.options.sessionLimitPolicy === 'refuse' && max !== null && userId !== null;
    return applies ? { userId: userId as string, tenant, max: max as number, now } : undefined;
  }

  /** Under `'evict-oldest'`, once a login is written: the least recently active of the user's other sessions make room. */
  async afterLogin(session: RequestSession, now: number): Promise<void> {
    const max = this.options.maxSessionsPerUser;
    const { userId, tenant, handle } = session.record;
    if (this.options.sessionLimitPolicy !== 'evict-oldest' || max === null || userId === null) {
      return;
    }
    const filter = { userId, tenant, exceptHandle: handle, keepNewest: max - 1, now };
    const evicted = await this.store.callIndex((index, options) => index.destroyByUser(filter, options));
    this.cache.forgetAll(evicted);
    this.events.publishRevoked(evicted, now, 'session-limit');
  }
}
