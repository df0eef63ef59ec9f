import { Injectable } from '@nestjs/common';
import { SessionCache } from '../cache/session-cache';
import { SessionEventPublisher } from '../events/session-event-publisher';
import { BoundedStore } from '../store/bounded-store';
import type { SessionSummary } from '../store/stored-session.interface';
import type { Session } from '../core/session.interface';
import type { AuthenticationProof } from '../core/session-authentication';
import { SessionStateError } from '../core/session.errors';

/** Which tenant's sessions a call is about; `''` (the default) without multi-tenancy. */
export interface SessionScope {
  tenant?: string;
}

/** One of a user's sessions, as listings show it. */
export interface SessionInfo {
  /** Opaque handle for `revoke()`: never the session ID nor its stored hash. */
  handle: string;
  createdAt: Date;
  /** Last activity, as precise as the rolling write: within a quarter of the idle timeout. */
  lastActiveAt: Date;
  expiresAt: Date;
  /** Client IP and user agent recorded at creation or login. */
  ip: string | null;
  userAgent: string | null;
}

/**
 * A user's sessions as first-class objects: list them ("where am I logged in"), revoke one,
 * revoke all but the current one ("log out my other devices"), or all of them (after a
 * password change). Revoked sessions are deleted at once; their cookies become anonymous.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly store: BoundedStore,
    private readonly events: SessionEventPublisher,
    private readonly cache: SessionCache,
  ) {}

  /** The user's live sessions in the tenant (default `''`), most recently active first. */
  async list(userId: string, scope: SessionScope = {}): Promise<SessionInfo[]> {
    const tenant = scope.tenant ?? '';
    const sessions = await this.store.callIndex((index, call) => index.listByUser(userId, tenant, Date.now(), call));
    return sessions.map(toInfo);
  }

  /** How many live sessions the user has in the tenant. */
  async count(userId: string, scope: SessionScope = {}): Promise<number> {
    return (await this.list(userId, scope)).length;
  }

  /** Revokes one of the user's live sessions; false when the user has no live session with that handle. */
  async revoke(userId: string, handle: string, scope: SessionScope = {}): Promise<boolean> {
    const now = Date.now();
    const tenant = scope.tenant ?? '';
    const revoked = await this.store.callIndex((index, call) => index.destroyByHandle(userId, tenant, handle, call));
    const sessions = revoked ? [revoked] : [];
    this.cache.forgetAll(sessions);
    return this.events.publishRevoked(sessions, now, 'revoked') === 1;
  }

  /**
   * Revokes the user's sessions, or all but the one whose handle is `except`; resolves to how many
   * were live. Without a `tenant`, in every tenant (a password change, a disabled account); with
   * one, in that tenant only.
   */
  async revokeAll(userId: string, scope: SessionScope & { except?: string } = {}): Promise<number> {
    const now = Date.now();
    const filter = { userId, tenant: scope.tenant ?? null, exceptHandle: scope.except, now };
    const revoked = await this.store.callIndex((index, call) => index.destroyByUser(filter, call));
    this.cache.forgetAll(revoked);
    return this.events.publishRevoked(revoked, now, 'revoked');
  }

  /**
   * After the logged-in user of `session` changed a credential (password, second factor): revokes
   * every other session of theirs in every tenant, on every instance sharing the store, and gives
   * `session` a new ID. With `proof` (the app just checked the current credential), it is also
   * recorded as a fresh proof of identity, as `session.reauthenticated(proof)` does. Resolves to how
   * many other sessions were revoked. Throws `SessionStateError` without a logged-in user.
   */
  async credentialsChanged<T extends object>(session: Session<T>, proof?: AuthenticationProof): Promise<number> {
    const user = session.user;
    if (user === null) {
      throw new SessionStateError('credentialsChanged() needs the session of a logged-in user');
    }
    // Others first: if the store fails, the request fails before this session changes at all.
    const revoked = await this.revokeAll(user.id, { except: session.handle });
    if (proof === undefined) {
      session.regenerate();
    } else {
      session.reauthenticated(proof);
    }
    return revoked;
  }
}

function toInfo(summary: SessionSummary): SessionInfo {
  return {
    handle: summary.handle,
    createdAt: new Date(summary.createdAt),
    lastActiveAt: new Date(summary.lastActiveAt),
    expiresAt: new Date(summary.expiresAt),
    ip: summary.ip,
    userAgent: summary.userAgent,
  };
}
