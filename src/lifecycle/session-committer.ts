import { Inject, Injectable } from '@nestjs/common';
import type { RequestSession, SessionPersistence } from '../core/request-session';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { newSessionRecord } from '../core/session-record';
import type { SessionHttpRequest } from '../http/platform/http-platform';
import { SessionCookies } from '../http/session-cookies';
import { DbscOffer } from '../dbsc/dbsc-offer';
import type { ResolvedSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import { RequestStates } from './request-state';
import { SessionLimits } from './session-limits';
import { SessionWriter } from './session-writer';

/**
 * Commits a request's session once its handler is done: one store write at most (a login with
 * `maxSessionsPerUser` adds one), then the cookie. Also serves `session.save()` and `reload()`.
 */
@Injectable()
export class SessionCommitter implements SessionPersistence {
  private readonly dbscOffer: DbscOffer | null;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly store: BoundedStore,
    private readonly writer: SessionWriter,
    private readonly limits: SessionLimits,
    private readonly cookies: SessionCookies,
  ) {
    this.dbscOffer = options.dbsc ? new DbscOffer(options.dbsc) : null;
  }

  /**
   * Persists what changed in the request's session (if it was loaded) and adds the cookie header it
   * needs. After the handler threw (`afterError`), only plain data changes are kept: a login,
   * logout, role, ID or lifetime change, or a destroy, made before the throw is dropped.
   */
  async commit(request: SessionHttpRequest, response: unknown, afterError = false): Promise<void> {
    const state = RequestStates.of(request);
    if (!state?.session) {
      return;
    }
    if (afterError) {
      state.session.keepOnlyDataChanges();
    }
    // The DBSC offer's challenge is written with the commit; the header goes out once it is stored.
    const offer = this.dbscOffer?.prepare(state.session, state, Date.now()) ?? null;
    await this.save(state.session);
    this.cookies.write(response, state.session, state);
    if (offer !== null) {
      this.dbscOffer?.send(response, state.session, offer);
    }
  }

  /**
   * Saves of one session run one after another: a save asked for while another is in flight (the
   * commits of a request's GraphQL fields, an explicit `save()`) then writes what that one did not.
   */
  save(session: RequestSession): Promise<void> {
    const saving = session.saving.catch(() => undefined).then(() => this.saveNow(session));
    session.saving = saving;
    return saving;
  }

  async reload(session: RequestSession): Promise<void> {
    const storedIdHash = session.storedIdHash;
    const stored = storedIdHash === null ? null : await this.store.call((store, call) => store.get(storedIdHash, call));
    const live = stored && stored.expiresAt > Date.now() ? stored : null;
    session.record = live ?? newSessionRecord(Date.now(), session.record.tenant, session.record, this.options);
    session.markSaved(live ? storedIdHash : null);
    if (storedIdHash !== null && !live) {
      // Gone from the store (destroyed elsewhere, expired): its ID must not come back to life.
      session.regenerate();
    }
  }

  private async saveNow(session: RequestSession): Promise<void> {
    const now = Date.now();
    if (session.destroyed) {
      await this.writer.destroy(session);
      return;
    }
    const loggingIn = session.userChanged && session.record.userId !== null;
    const limit = loggingIn ? this.limits.limitFor(session, now) : undefined;
    const written =
      session.storedIdHash === null
        ? await this.writer.create(session, now, limit)
        : await this.writer.patch(session, now, limit);
    if (written && loggingIn) {
      await this.limits.afterLogin(session, now);
    }
  }
}
