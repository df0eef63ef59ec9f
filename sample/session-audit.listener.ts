import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { SessionEvent } from '../src';

/** Shows how to audit sessions: every lifecycle event arrives through @nestjs/event-emitter. */
@Injectable()
export class SessionAuditListener {
  private readonly logger = new Logger('SessionAudit');

  @OnEvent('session.*')
  record(event: SessionEvent): void {
    const reason = event.reason ? ` (${event.reason})` : '';
    this.logger.log(
      `${event.type}${reason} session=${event.handle ?? '-'} user=${event.userId ?? '-'} ip=${event.ip ?? '-'}`,
    );
  }
}
