import { Inject, Injectable } from '@nestjs/common';
import { absoluteExpiryOf, nextExpiryOf } from '../core/expiry';
import type { RequestSession } from '../core/request-session';
import { SESSION_DEFAULTS, SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionTooLargeError } from '../core/session.errors';
import { SessionSigner } from '../core/session-signer';
import { SessionEventPublisher } from '../events/session-event-publisher';
import type { ResolvedSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import type { SessionWriteOptions } from '../store/session-store.interface';
import type { UserSessionLimit } from '../store/session-user-index.interface';
import { planPatch } from './patch-plan';

/** The three writes a commit makes: a new session, a patch of a stored one, or its end; each publishes its events. */
@Injectable()
export class SessionWriter {
  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly store: BoundedStore,
    private readonly events: SessionEventPublisher,
  ) {}

  /** Stores a new session (unless it holds nothing and `saveUninitialized` is off); true when written. */
  async create(session: RequestSession, now: number, limit?: UserSessionLimit): Promise<boolean> {
    const record = session.record;
    if (!this.shouldSaveNew(session)) {
      return false;
    }
    this.assertSize(record.data);
    if (session.lifetimeChanged) {
      record.absoluteExpiresAt = absoluteExpiryOf(record, now, this.options);
    }
    if (session.userChanged) {
      Object.assign(record, session.client);
    }
    record.lastActiveAt = now;
    record.idIssuedAt = now;
    record.expiresAt = nextExpiryOf(record, now, this.options);
    const idHash = SessionSigner.hashId(session.id, record.tenant);
    const loggedIn = session.userChanged && record.userId !== null;
    const revision = session.revision;
    await this.store.call((store, call) => store.create(idHash, record, { ...this.writeOptions(now, limit), ...call }));
    session.cookieDirty = true;
    session.markSaved(idHash, revision);
    this.events.publish('created', record);
    if (loggedIn) {
      this.events.publish('logged-in', record);
    }
    return true;
  }

  /** Writes what changed in a stored session, found by its handle; true when written. */
  async patch(session: RequestSession, now: number, limit?: UserSessionLimit): Promise<boolean> {
    const record = session.record;
    const storedIdHash = session.storedIdHash as string;
    const idHash = SessionSigner.hashId(session.id, record.tenant);
    const plan = planPatch(session, idHash, now, this.options);
    if (plan === null) {
      return false;
    }
    if (session.changed.size > 0) {
      this.assertSize(record.data);
    }
    const { renewing, userChanged, revision } = session;
    const options = this.writeOptions(now, limit);
    const written = await this.store.call((store, call) =>
      store.patch(record.handle, plan.patch, { ...options, ...call }),
    );
    if (written === null) {
      // Destroyed or expired meanwhile (logout in another tab, revocation): never resurrect it.
      session.destroyed = true;
      session.storedIdHash = null;
      return false;
    }
    record.lastActiveAt = now;
    record.expiresAt = plan.expiresAt ?? record.expiresAt;
    const renewalYielded = renewing && written !== idHash;
    if (renewalYielded) {
      // A parallel request of this session changed its ID first: its response carries the cookie.
      session.abandonRenewal();
    }
    session.markSaved(renewalYielded ? storedIdHash : idHash, revision);
    if (!renewalYielded && plan.patch.newIdHash !== undefined) {
      this.events.publish(renewing ? 'renewed' : 'regenerated', record);
    }
    if (userChanged) {
      this.events.publish(record.userId === null ? 'logged-out' : 'logged-in', record);
    }
    return true;
  }

  /** Ends a stored session, by handle: whatever ID a parallel request (a renewal) gave it meanwhile. */
  async destroy(session: RequestSession): Promise<void> {
    if (session.storedIdHash === null) {
      return;
    }
    await this.store.call((store, call) => store.destroy(session.record.handle, call));
    session.storedIdHash = null;
    this.events.publish('destroyed', session.record);
  }

  /** express-session's `saveUninitialized`: a new session is stored once it holds something. */
  private shouldSaveNew(session: RequestSession): boolean {
    const isEmpty = Object.keys(session.record.data).length === 0 && session.record.lifetime === null;
    return !isEmpty || this.options.saveUninitialized;
  }

  /** What bounds a write: the size limit, and the time after which it must not be applied. */
  private writeOptions(now: number, limit?: UserSessionLimit): SessionWriteOptions {
    const deadline = Date.now() + this.options.storeTimeout * SESSION_DEFAULTS.writeDeadlineShare;
    return { now, limit, maxBytes: this.options.maxSessionBytes, deadline };
  }

  private assertSize(data: object): void {
    const size = Buffer.byteLength(JSON.stringify(data), 'utf8');
    if (size > this.options.maxSessionBytes) {
      throw new SessionTooLargeError(size, this.options.maxSessionBytes);
    }
  }
}
