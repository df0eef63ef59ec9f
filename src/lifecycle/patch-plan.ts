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
  patch.lastActiveAt = now;
  if (!extend) {
    // An update that leaves the indexed expiry alone is a cheap HOT update.
    return { patch };
  }
  patch.expiresAt = expiresAt;
  return { patch, expiresAt };
}
