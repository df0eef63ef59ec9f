import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { SessionEvent } from './session-event.interface';
import { SessionEventPublisher } from './session-event-publisher';

/** The debug line of each event worth one; the others (a login, say) are the app's to log. */
const LINES: Partial<Record<SessionEvent['type'], (event: SessionEvent) => string>> = {
  rejected: (event) =>
    event.reason === 'binding'
      ? 'Rejected a session cookie: the session is bound to another client (bind); the session was destroyed'
      : 'Rejected a session cookie: bad signature (tampered, or signed with a secret no longer configured)',
  expired: () => 'A request presented an expired session; it was given a new one',
  renewed: () => 'Renewed a session: new ID after renewAfter, the old cookie no longer works',
};

/**
 * Writes a debug line, through Nest's `Logger` in the `SessionModule` context, for each rejected
 * cookie (with its reason), expired session and renewal. It listens to the module's own events, so
 * the request path is untouched, and formats nothing while the debug level is off. A line names no
 * session ID, hash, handle, user, address or secret: it says what happened, not to whom (subscribe
 * to `SessionEvents` for that).
 */
@Injectable()
export class SessionDebugLog implements OnModuleDestroy {
  private readonly logger = new Logger('SessionModule');
  private readonly subscription: Subscription;

  constructor(publisher: SessionEventPublisher) {
    this.subscription = publisher.events$.subscribe((event) => this.write(event));
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  private write(event: SessionEvent): void {
    const line = LINES[event.type];
    if (line !== undefined && Logger.isLevelEnabled('debug')) {
      this.logger.debug(line(event));
    }
  }
}
