import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Observable, Subject } from 'rxjs';
import type { SessionEvent } from './session-event.interface';
import type { SessionSummary } from '../store/stored-session.interface';

/** Whom an event is about: a session (or, for a bad signature, no session) and the client. */
export type SessionEventSubject = Pick<SessionEvent, 'handle' | 'userId' | 'tenant' | 'ip' | 'userAgent'>;

/** Prefix of the event names on @nestjs/event-emitter: `session.created`, `session.logged-in`... */
export const SESSION_EVENT_PREFIX = 'session.';

interface EventEmitterLike {
  emit(event: string, payload: unknown): unknown;
}

/**
 * Publishes session lifecycle events: on `events$` always, and through @nestjs/event-emitter's
 * `EventEmitter2` when the app has `EventEmitterModule` (then `@OnEvent('session.logged-in')` works).
 * Internal: the app sees the events through {@link SessionEvents}, which cannot publish, so no app
 * code can forge an audit event.
 */
@Injectable()
export class SessionEventPublisher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SessionEvents');
  private readonly subject = new Subject<SessionEvent>();
  private emitter: EventEmitterLike | null = null;

  /** Every event, as it happens. */
  readonly events$: Observable<SessionEvent> = this.subject.asObservable();

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.emitter = findEventEmitter(this.moduleRef);
  }

  onModuleDestroy(): void {
    this.subject.complete();
  }

  /** Publishes an event of `type` about `subject`, stamped with the current time. */
  publish(type: SessionEvent['type'], subject: SessionEventSubject, reason?: SessionEvent['reason']): void {
    const { handle, userId, tenant, ip, userAgent } = subject;
    this.emit({ type, handle, userId, tenant, ip, userAgent, reason, at: new Date() });
  }

  /**
   * Publishes `revoked` for the deleted sessions that were still live at `now` (expired ones were
   * over already) and returns how many there were.
   */
  publishRevoked(deleted: SessionSummary[], now: number, reason: 'revoked' | 'session-limit'): number {
    const live = deleted.filter((summary) => summary.expiresAt > now);
    live.forEach((summary) => this.publish('revoked', summary, reason));
    return live.length;
  }

  /** Publishes an event; a failing listener is logged, never allowed to fail the request. */
  emit(event: SessionEvent): void {
    try {
      this.subject.next(event);
      this.emitter?.emit(`${SESSION_EVENT_PREFIX}${event.type}`, event);
    } catch (error) {
      this.logger.error(`A session event listener failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The app's EventEmitter2, if @nestjs/event-emitter is installed and its module imported. */
function findEventEmitter(moduleRef: ModuleRef): EventEmitterLike | null {
  let token: unknown;
  try {
    // Optional: users without @nestjs/event-emitter must not need it installed.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    token = require('@nestjs/event-emitter').EventEmitter2;
  } catch {
    return null;
  }
  try {
    return moduleRef.get(token as new () => EventEmitterLike, { strict: false });
  } catch {
    return null;
  }
}
