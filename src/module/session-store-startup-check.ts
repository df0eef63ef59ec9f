import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionStoreUnavailableError } from '../core/session.errors';
import { callStore } from '../store/session-store-call';
import { hasStoreCheck } from '../store/session-store-check.interface';
import { SessionStore } from '../store/session-store.interface';
import { SessionStoreHealth } from '../store/session-store-health';
import type { ResolvedSessionOptions } from './session-options';

/**
 * Checks the store once, as the application boots (`checkStoreOnStart`), so a forgotten table or
 * an unreachable server stops `app.init()`/`app.listen()` with the store's message rather than
 * turning every session write into a 503. Bounded by `storeTimeout`, like any store call.
 */
@Injectable()
export class SessionStoreStartupCheck implements OnApplicationBootstrap {
  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SessionStore) private readonly store: SessionStore,
    private readonly health: SessionStoreHealth,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const store = this.store;
    if (!this.options.checkStoreOnStart || !hasStoreCheck(store)) {
      return;
    }
    try {
      await callStore((call) => store.checkStore(call), this.options.storeTimeout, this.health);
    } catch (error) {
      if (error instanceof SessionStoreUnavailableError) {
        throw new SessionStoreUnavailableError(
          `SessionModule: the session store failed its start-up check (${error.message}). Start the store ` +
            'before the app, or set `checkStoreOnStart: false` to start without it (session requests then ' +
            'answer 503 until it is reachable).',
          error,
        );
      }
      throw error;
    }
  }
}
