import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { SessionEvent } from './session-event.interface';
import { SessionEventPublisher } from './session-event-publisher';

export { SESSION_EVENT_PREFIX } from './session-event-publisher';

/**
 * The session lifecycle as a stream: inject it and subscribe to `events$` (created, logged-in,
 * logged-out, renewed, regenerated, destroyed, expired, revoked, rejected). With
 * `EventEmitterModule`, the same events also reach `@OnEvent('session.<type>')` listeners.
 */
@Injectable()
export class SessionEvents {
  /** Every event, as it happens. */
  readonly events$: Observable<SessionEvent>;

  constructor(publisher: SessionEventPublisher) {
    this.events$ = publisher.events$;
  }
}
