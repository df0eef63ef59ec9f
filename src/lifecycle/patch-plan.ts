import { absoluteExpiryOf, isExtensionDue, nextExpiryOf, type SessionTimeouts } from '../core/expiry';
import type { RequestSession } from '../core/request-session';
import type { SessionPatch } from '../store/stored-session.interface';

/** What a commit of a stored session writes, and the expiry it moves to. */
export interface PatchPlan {
  patch: SessionPatch;
  /** The new expiry, when this write moves it. */
  expiresAt?: number;
}

/** What the plan needs to know of the module's options. */
export interface PatchPolicy extends SessionTimeouts {
  rolling: boolean;
  renewalGracePeriod: number;
}

/**
 * Whether a stored session has nothing to write: unchanged, with its stored ID, and not due for a
 * rolling extension. The common read decides it without hashing the ID or building a patch.
 */
export function writesNothing(session: RequestSession, now: number, policy: PatchPolicy): boolean {
  if (session.hasChanges || session.touched || session.idChanged) {
    return false;
  }
  return !policy.rolling || !isExtensionDue(session.record, nextExpiryOf(session.record, now, policy), policy);
}

/**
 * The patch that brings the store up to date with `session` (whose ID hashes to `idHash`), or
 * null when nothing is due: a session only read, whose expiry need not move yet, is not written.
 * Records what it decides on `session.record` (the new absolute expiry, the login's client).
 */
export function planPatch(session: RequestSession, idHash: string, now: number, policy: PatchPolicy): PatchPlan | null {
  const record = session.record;
  const storedIdHash = session.storedIdHash as string;
  const patch: SessionPatch = { set: Object.fromEntries(session.changed), unset: [...session.removed] };
  if (idHash !== storedIdHash) {
    patch.newIdHash = idHash;
    patch.idIssuedAt = now;
    if (session.renewing) {
      // A renewal yields to any other change of ID (a login, a logout, another renewal), and
      // leaves the old ID working a moment for the requests the client already sent with it.
      patch.ifIdHash = storedIdHash;
      patch.keepPreviousFor = policy.renewalGracePeriod;
    }
  }
  if (session.lifetimeChanged) {
    record.absoluteExpiresAt = absoluteExpiryOf(record, now, policy);
    patch.lifetime = record.lifetime;
    patch.absoluteExpiresAt = record.absoluteExpiresAt;
  }
  if (session.userChanged) {
    // A login records who logged in from where: listings show it, and `bind` checks against it.
    Object.assign(record, session.client);
    patch.userId = record.userId;
    patch.ip = record.ip ?? undefined;
    patch.userAgent = record.userAgent ?? undefined;
  }
  const expiresAt = nextExpiryOf(record, now, policy);
  const extend =
    session.touched ||
    session.lifetimeChanged ||
    patch.newIdHash !== undefined ||
    (isExtensionDue(record, expiresAt, policy) && (policy.rolling || session.hasChanges));
  if (!extend && !session.hasChanges) {
    return null;
  }
  rewriteStaleKeys(session, patch);
  patch.lastActiveAt = now;
  if (!extend) {
    // An update that leaves the indexed expiry alone is a cheap HOT update.
    return { patch };
  }
  patch.expiresAt = expiresAt;
  return { patch, expiresAt };
}

/**
 * Values the store holds in an outdated form (under an older `encryption` key, see
 * `StoredSession.staleKeys`) go along with a write made anyway, written again under the current key;
 * a read alone never writes them.
 */
function rewriteStaleKeys(session: RequestSession, patch: SessionPatch): void {
  const { record } = session;
  const stale = (record.staleKeys ?? []).filter(
    (key) => !session.removed.has(key) && Object.prototype.hasOwnProperty.call(record.data, key),
  );
  delete record.staleKeys;
  if (stale.length > 0) {
    // Spread, not assignment: a stored `__proto__` key stays an own key.
    patch.set = { ...Object.fromEntries(stale.map((key) => [key, record.data[key]])), ...patch.set };
  }
}
