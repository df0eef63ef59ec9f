import { Inject, Injectable } from '@nestjs/common';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import type { ResolvedSessionOptions } from '../module/session-options';
import { callStore } from './session-store-call';
import { SessionStoreHealth } from './session-store-health';
import { SessionStore, type SessionStoreCallOptions } from './session-store.interface';
import { hasUserIndex, type SessionUserIndex } from './session-user-index.interface';

/** A store call, given the store and the options carrying its signal and timeout. */
type StoreOperation<S, R> = (store: S, options: Required<SessionStoreCallOptions>) => Promise<R>;

/**
 * The store as the module uses it: every call bounded by `storeTimeout` (the one timeout layer,
 * see {@link callStore}) and reported to the outage log.
 */
@Injectable()
export class BoundedStore {
  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SessionStore) private readonly store: SessionStore,
    private readonly health: SessionStoreHealth,
  ) {}

  /** Runs `operation` on the store, bounded. */
  call<R>(operation: StoreOperation<SessionStore, R>): Promise<R> {
    return callStore((options) => operation(this.store, options), this.options.storeTimeout, this.health);
  }

  /** Runs `operation` on the store's per-user index, bounded; a store without one is a configuration error. */
  callIndex<R>(operation: StoreOperation<SessionUserIndex, R>): Promise<R> {
    const store = this.store;
    if (!hasUserIndex(store)) {
      throw new SessionConfigurationError(
        "A user's sessions (SessionService, maxSessionsPerUser) need a store that keeps a per-user index (SessionUserIndex); this module's store does not.",
      );
    }
    return callStore((options) => operation(store, options), this.options.storeTimeout, this.health);
  }
}
