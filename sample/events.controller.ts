import { Controller, type MessageEvent, Sse, UseGuards } from '@nestjs/common';
import { interval, map, type Observable, startWith, takeUntil } from 'rxjs';
import { Session, SessionAuthGuard, SessionConnections } from '../src';

/** How often the stream says it is alive. */
const TICK_MS = 15_000;

/** A server-sent-events stream that ends (the response completes) as soon as its session does. */
@Controller()
export class EventsController {
  constructor(private readonly connections: SessionConnections) {}

  /** Logged in: `data: {"userId","at"}` now and every 15 s, until the session ends on any instance; 401 anonymous. */
  @Sse('events')
  @UseGuards(SessionAuthGuard)
  events(@Session() session: Session): Observable<MessageEvent> {
    const userId = session.user!.id;
    return interval(TICK_MS).pipe(
      startWith(0),
      map(() => ({ data: { userId, at: Date.now() } })),
      takeUntil(this.connections.endOf(session)),
    );
  }
}
