import { Logger } from '@nestjs/common';
import type { SessionChangeListener, SessionChangeSubscription } from './session-changes.interface';

/**
 * The memory store's change channel: in-process only, so it reaches the listeners of every app
 * that shares the one store object. A change is delivered at once, before the write resolves;
 * `listening()` follows the subscription in a microtask, once the caller holds it.
 */
export class MemoryChangeChannel {
  private readonly logger = new Logger('MemorySessionStore');
  /** One entry per subscription, so a listener subscribed twice is closed one subscription at a time. */
  private readonly subscribers = new Set<{ listener: SessionChangeListener }>();

  subscribe(listener: SessionChangeListener): SessionChangeSubscription {
    const subscriber = { listener };
    this.subscribers.add(subscriber);
    queueMicrotask(() => {
      if (this.subscribers.has(subscriber)) {
        this.notify(() => listener.listening());
      }
    });
    return {
      close: async () => {
        this.subscribers.delete(subscriber);
      },
    };
  }

  /** Tells every listener that the session changed (`version`) or is gone (null). */
  announce(handle: string, version: number | null): void {
    for (const { listener } of this.subscribers) {
      this.notify(() => listener.changed(handle, version));
    }
  }

  /** Calls a listener; what it throws is logged (the write happened, and the others hear of it all the same). */
  private notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error('A session change listener threw', error instanceof Error ? error.stack : String(error));
    }
  }
}
