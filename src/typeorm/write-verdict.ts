import type { SessionWriteOptions } from '../store/session-store.interface';
import { SessionChangedError, SessionStoreUnavailableError, SessionTooLargeError } from '../core/session.errors';
import type { WriteVerdictRow } from './session-rows';

/** The ID hash a write left, or the error for a write the database refused to apply (too late, changed meanwhile, too large). */
export function enforceVerdict(verdict: WriteVerdictRow, options: SessionWriteOptions): string | null {
  if (!verdict.in_time) {
    throw new SessionStoreUnavailableError(
      'The session write reached PostgreSQL after the app stopped waiting for it (a slow network, or a database clock ahead of this server), so it was not applied',
    );
  }
  if (verdict.live && verdict.current === false) {
    throw new SessionChangedError();
  }
  if (verdict.live && verdict.id_hash === null && options.maxBytes !== undefined && verdict.size > options.maxBytes) {
    throw new SessionTooLargeError(verdict.size, options.maxBytes);
  }
  return verdict.id_hash;
}
