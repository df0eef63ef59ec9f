import type { RequestSession } from '../core/request-session';
import type { StoredSession } from '../store/stored-session.interface';

/**
 * Puts the changes a request made to its session on top of a newer copy from the store: the
 * record the request read (from the cache) was overtaken by another write. Keys the request set or
 * removed, a login or logout and a new lifetime are the request's; everything else is the store's,
 * so the write that follows undoes nothing the other one did.
 */
export function rebaseSession(session: RequestSession, fresh: StoredSession): void {
  const mine = session.record;
  const data = { ...fresh.data };
  session.removed.forEach((key) => delete data[key]);
  session.changed.forEach((value, key) => (data[key] = value));
  session.record = {
    ...fresh,
    data,
    userId: session.userChanged ? mine.userId : fresh.userId,
    lifetime: session.lifetimeChanged ? mine.lifetime : fresh.lifetime,
  };
}
