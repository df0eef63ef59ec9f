import { Inject, Injectable } from '@nestjs/common';
import { SESSION_DEFAULTS, SESSION_MODULE_OPTIONS, RESERVED_DBSC_KEY } from '../core/session.constants';
import { SessionChangedError } from '../core/session.errors';
import { SessionCache } from '../cache/session-cache';
import type { SessionHttpRequest } from '../http/platform/http-platform';
import { SessionLoader } from '../lifecycle/session-loader';
import { sessionWriteOptions } from '../lifecycle/session-writer';
import type { ResolvedSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import type { StoredSession } from '../store/stored-session.interface';
import { dbscRecordOf, type DbscRecord } from './dbsc-record';

/** What a DBSC endpoint decides on a copy of the session: the record to store (or none), and its answer. */
export interface DbscDecision<T> {
  record: DbscRecord | null;
  result: T;
}

/**
 * Read-decide-write of a session's DBSC record, fenced on the version read (`ifVersion`): of two
 * requests that present the same challenge at once, one write applies and the other decides again
 * on the fresh copy, where the challenge is gone. Never a cached copy; the cache forgets the session.
 */
@Injectable()
export class DbscSessionWrites {
  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly loader: SessionLoader,
    private readonly store: BoundedStore,
    private readonly cache: SessionCache,
  ) {}

  /**
   * Runs `decide` on the session the request's cookie names (null: none, or gone) and stores the
   * record it returns. `decide` must be pure: it may run again on a fresher copy.
   */
  async update<T>(
    request: SessionHttpRequest,
    decide: (session: StoredSession | null, record: DbscRecord, now: number) => DbscDecision<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.loader.loadStored(request);
      const now = Date.now();
      const decision = decide(session, session ? dbscRecordOf(session.data) : dbscRecordOf({}), now);
      if (session === null || decision.record === null) {
        return decision.result;
      }
      try {
        const written = await this.write(session, decision.record, now);
        return written ? decision.result : decide(null, dbscRecordOf({}), now).result;
      } catch (error) {
        if (!(error instanceof SessionChangedError) || attempt >= SESSION_DEFAULTS.dbscWriteAttempts) {
          throw error;
        }
      }
    }
  }

  /** Patches `__dbsc` only, if the session is still at the version read; false when it is gone. */
  private async write(session: StoredSession, record: DbscRecord, now: number): Promise<boolean> {
    const patch = { set: { [RESERVED_DBSC_KEY]: record }, unset: [], ifVersion: session.version };
    const options = sessionWriteOptions(this.options, now);
    try {
      return (
        (await this.store.call((store, call) => store.patch(session.handle, patch, { ...options, ...call }))) !== null
      );
    } finally {
      this.cache.forget(session.handle);
    }
  }
}
