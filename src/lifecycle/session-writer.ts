import { Inject, Injectable } from '@nestjs/common';
import { absoluteExpiryOf, nextExpiryOf } from '../core/expiry';
import type { RequestSession } from '../core/request-session';
import { SESSION_DEFAULTS, SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionChangedError, SessionTooLargeError } from '../core/session.errors';
import { SessionCache } from '../cache/session-cache';
import { SessionSigner } from '../core/session-signer';
import { SessionEventPublisher } from '../events/session-event-publisher';
import type { ResolvedSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import type { SessionWriteOptions } from '../store/session-store.interface';
import type { SessionPatch } from '../store/stored-session.interface';
import type { UserSessionLimit } from '../store/session-user-index.interface';
import { planPatch, writesNothing, type PatchPlan } from './patch-plan';
import { rebaseSession } from './session-rebase';

/** The three writes a commit makes: a new session, a patch of a stored one, or its end; each publishes its events. */
@Injectable()
export class SessionWriter {
  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly store: BoundedStore,
    private readonly events: SessionEventPublisher,
    private readonly cache: SessionCache,
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
    if (this.cache.enabled) {
      record.version = 0;
      this.cache.created(idHash);
    }
    this.events.publish('created', record);
    if (loggedIn) {
      this.events.publish('logged-in', record);
    }
    return true;
  }

  /** Writes what changed in a stored session, found by its handle; true when written. */
  async patch(session: RequestSession, now: number, limit?: UserSessionLimit): Promise<boolean> {
    if (writesNothing(session, now, this.options)) {
      return false;
    }
    // The stored hash is the ID's own unless the ID changed: hashing it again would give the same.
    const idHash = session.idChanged ? SessionSigner.hashId(session.id, session.record.tenant) : session.storedIdHash!;
    const fenced = this.cache.enabled || rewritesStaleKeys(session);
    let plan = planPatch(session, idHash, now, this.options);
    if (plan === null) {
      return false;
    }
    const { renewing, userChanged, revision } = session;
    // With the cache on, a write applies only to the version it was based on, so that a copy
    // another write overtook never undoes that write: the request's changes go on a fresh copy
    // instead, whose own changes (a new lifetime, expiry, user) stay; a key both wrote is the last
    // writer's, as without the cache. A write that re-encrypts values under a retired key is fenced the
    // same way: it rewrites keys the request did not change, which a parallel write may have changed.
    let basedOn = fenced ? session.record.version : undefined;
    const ticket = this.cache.ticket();
    let written: string | null;
    try {
      written = await this.apply(session, { ...plan.patch, ifVersion: basedOn }, now, limit);
    } catch (error) {
      if (!(error instanceof SessionChangedError)) {
        throw error;
      }
      basedOn = undefined;
      plan = await this.rebase(session, idHash, now);
      written = plan && (await this.apply(session, plan.patch, now, limit));
    }
    const record = session.record;
    if (written === null || plan === null) {
      // Destroyed or expired meanwhile (logout in another tab, revocation): never resurrect it.
      this.cache.forget(record.handle);
      session.destroyed = true;
      session.storedIdHash = null;
      return false;
    }
    record.lastActiveAt = now;
    record.expiresAt = plan.expiresAt ?? record.expiresAt;
    const storedIdHash = session.storedIdHash as string;
    const renewalYielded = renewing && written !== idHash;
    if (renewalYielded) {
      // A parallel request of this session changed its ID first: its response carries the cookie.
      session.abandonRenewal();
    }
    if (!renewalYielded && plan.patch.idIssuedAt !== undefined) {
      record.idIssuedAt = plan.patch.idIssuedAt;
    }
    session.markSaved(renewalYielded ? storedIdHash : idHash, revision);
    this.recache(session, renewalYielded ? undefined : basedOn, ticket);
    if (!renewalYielded && plan.patch.newIdHash !== undefined) {
      this.events.publish(renewing ? 'renewed' : 'regenerated', record);
    }
    if (userChanged) {
      this.events.publish(record.userId === null ? 'logged-out' : 'logged-in', record);
    }
    return true;
  }

  /** Sends a patch of the session, by its handle; the ID hash it has after the patch, or null when it is gone. */
  private apply(
    session: RequestSession,
    patch: SessionPatch,
    now: number,
    limit?: UserSessionLimit,
  ): Promise<string | null> {
    if (session.changed.size > 0) {
      this.assertSize(session.record.data);
    }
    const options = this.writeOptions(now, limit);
    return this.store.call((store, call) => store.patch(session.record.handle, patch, { ...options, ...call }));
  }

  /** After a write the cached copy had missed: the request's changes on the store's copy, and a new plan (null: gone). */
  private async rebase(session: RequestSession, idHash: string, now: number): Promise<PatchPlan | null> {
    const storedIdHash = session.storedIdHash as string;
    this.cache.forget(session.record.handle);
    const fresh = await this.store.call((store, call) => store.get(storedIdHash, call));
    if (fresh === null || fresh.expiresAt <= now) {
      return null;
    }
    // This write is not fenced: rewriting keys it did not change could undo a parallel write.
    delete fresh.staleKeys;
    rebaseSession(session, fresh);
    return planPatch(session, idHash, now, this.options) ?? { patch: { set: {}, unset: [], lastActiveAt: now } };
  }

  /** The written session is the next read's copy when its version is known (a write based on version `basedOn`). */
  private recache(session: RequestSession, basedOn: number | undefined, ticket: number | null): void {
    const { record } = session;
    if (basedOn === undefined || session.storedIdHash === null) {
      this.cache.forget(record.handle);
      return;
    }
    record.version = basedOn + 1;
    this.cache.written(session.storedIdHash, record, ticket);
  }

  /** Ends a stored session, by handle: whatever ID a parallel request (a renewal) gave it meanwhile. */
  async destroy(session: RequestSession): Promise<void> {
    if (session.storedIdHash === null) {
      return;
    }
    // Forgotten first: the mark it leaves also keeps out a copy read or written while the delete is on its way.
    this.cache.forget(session.record.handle);
    await this.store.call((store, call) => store.destroy(session.record.handle, call));
    session.storedIdHash = null;
    this.events.publish('destroyed', session.record);
  }

  /** express-session's `saveUninitialized`: a new session is stored once it holds something. */
  private shouldSaveNew(session: RequestSession): boolean {
    const isEmpty = Object.keys(session.record.data).length === 0 && session.record.lifetime === null;
    return !isEmpty || this.options.saveUninitialized;
  }

  private writeOptions(now: number, limit?: UserSessionLimit): SessionWriteOptions {
    return sessionWriteOptions(this.options, now, limit);
  }

  private assertSize(data: object): void {
    const size = Buffer.byteLength(JSON.stringify(data), 'utf8');
    if (size > this.options.maxSessionBytes) {
      throw new SessionTooLargeError(size, this.options.maxSessionBytes);
    }
  }
}

/** Whether the next write re-encrypts values the store holds under a retired `encryption` key. */
function rewritesStaleKeys(session: RequestSession): boolean {
  return (session.record.staleKeys?.length ?? 0) > 0 && session.record.version !== undefined;
}

/** What bounds a session write: the size limit, and the time after which it must not be applied. */
export function sessionWriteOptions(
  options: Pick<ResolvedSessionOptions, 'storeTimeout' | 'maxSessionBytes'>,
  now: number,
  limit?: UserSessionLimit,
): SessionWriteOptions {
  const deadline = Date.now() + options.storeTimeout * SESSION_DEFAULTS.writeDeadlineShare;
  return { now, limit, maxBytes: options.maxSessionBytes, deadline };
}
