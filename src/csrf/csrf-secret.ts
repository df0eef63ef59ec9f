import { RESERVED_CSRF_KEY } from '../core/session.constants';
import type { StoredSession } from '../store/stored-session.interface';
import { isCsrfSecret } from './csrf-token';

/** The CSRF secret a session holds, or null when it has never issued a token (or holds no valid one). */
export function storedCsrfSecret(session: { record: Pick<StoredSession, 'data'> }): string | null {
  const stored = session.record.data[RESERVED_CSRF_KEY];
  return isCsrfSecret(stored) ? stored : null;
}
