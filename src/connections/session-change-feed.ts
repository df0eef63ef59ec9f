import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SessionCache } from '../cache/session-cache';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import type { ResolvedSessionOptions } from '../module/session-options';
import {
  hasChanges,
  type SessionChangeListener,
  type SessionChangeSubscription,
} from '../store/session-changes.interface';
import { SessionStore } from '../store/session-store.interface';
import { SessionConnections } from './session-connections';

/**
 * The one subscription an application instance holds to its store's change channel, fanned out to
 * the session cache and the live connections. Subscribed at start-up when either is on, so that
 * the instance announces its own writes (stores announce only once subscribed), even before it
 * caches a session or holds a connection.
 */
@Injectable()
export class SessionChangeFeed implements SessionChangeListener, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SessionModule');
  private readonly listeners: SessionChangeListener[];
  private subscription?: SessionChangeSubscription;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SessionStore) private readonly store: SessionStore,
    cache: SessionCache,
    connections: SessionConnections,
  ) {
    this.listeners = [cache, connections];
  }

  onModuleInit(): void {
    if (this.options.cache === null && !this.options.liveConnections) {
      return;
    }
    if (!hasChanges(this.store)) {
      throw new SessionConfigurationError(
        'SessionModule: `cache` and `liveConnections` need a store with a change channel (SessionChanges): ' +
          'TypeOrmSessionStore, RedisSessionStore or MemorySessionStore.',
      );
    }
    this.subscription = this.store.subscribeToChanges(this);
  }

  async onApplicationShutdown(): Promise<void> {
    // Closing reports the channel interrupted: the listeners are shutting down too, and need not hear it.
    this.listeners.length = 0;
    await this.subscription?.close();
  }

  changed(handle: string, version: number | null): void {
    this.each((listener) => listener.changed(handle, version));
  }

  listening(): void {
    this.each((listener) => listener.listening());
  }

  interrupted(): void {
    this.each((listener) => listener.interrupted());
  }

  /** One listener's failure must not keep the news from the others. */
  private each(deliver: (listener: SessionChangeListener) => void): void {
    for (const listener of this.listeners) {
      try {
        deliver(listener);
      } catch (error) {
        this.logger.error(
          `A session change listener failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}
