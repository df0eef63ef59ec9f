import { Inject, Injectable, Logger } from '@nestjs/common';
import { parse as parseCookies, serialize as serializeCookie, type SerializeOptions } from 'cookie';
import { SESSION_DEFAULTS, SESSION_MODULE_OPTIONS, SESSION_REQUEST_KEY } from './session.constants';
import { SessionError, SessionStoreUnavailableError, SessionTooLargeError } from './session.errors';
import type { ResolvedSessionOptions } from './session-options';
import { SessionSigner } from './session-signer';
import { SessionStore, type SessionPatch, type StoredSession } from './session-store.interface';
import { RequestSession, type SessionPersistence } from './request-session';
import {
  appendSetCookie,
  getClientIp,
  getCookieHeader,
  getUserAgent,
  headersSent,
  type SessionHttpRequest,
} from './platform/http-platform';

/** What one request carries: its session, loaded at most once, and how it arrived. */
interface RequestState {
  loading: Promise<RequestSession>;
  session?: RequestSession;
  hadCookie: boolean;
  signedWithOldSecret: boolean;
  committed: boolean;
}

type RequestWithState = SessionHttpRequest & { [SESSION_REQUEST_KEY]?: RequestState };

const MAX_USER_AGENT_LENGTH = 512;

/**
 * Loads a request's session (one store read, memoized on the request, shared by the guard,
 * the decorator and the interceptor) and commits it (at most one store write).
 */
@Injectable()
export class SessionManager implements SessionPersistence {
  private readonly logger = new Logger('SessionModule');
  private readonly signer: SessionSigner;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SessionStore) private readonly store: SessionStore,
  ) {
    this.signer = new SessionSigner(options.secrets);
  }

  /** The request's session; the first call reads the store, later calls share the result. */
  load(request: SessionHttpRequest): Promise<RequestSession> {
    const carrier = request as RequestWithState;
    const existing = carrier[SESSION_REQUEST_KEY];
    if (existing) {
      return existing.loading;
    }
    const cookieValue = parseCookies(getCookieHeader(request) ?? '')[this.options.cookie.name];
    const verified = this.signer.verify(cookieValue);
    const loading = this.open(request, verified?.id);
    const state: RequestState = {
      loading,
      hadCookie: cookieValue !== undefined,
      signedWithOldSecret: verified?.signedWithOldSecret ?? false,
      committed: false,
    };
    carrier[SESSION_REQUEST_KEY] = state;
    loading.then(
      (session) => (state.session = session),
      // A failed load is retried by the next caller (the interceptor after the guard), not cached.
      () => delete carrier[SESSION_REQUEST_KEY],
    );
    return loading;
  }

  /** The session if this request has loaded it already. */
  loaded(request: SessionHttpRequest): RequestSession | undefined {
    return (request as RequestWithState)[SESSION_REQUEST_KEY]?.session;
  }

  /** Persists the request's session (if it was loaded) and adds the cookie header it needs. Runs once per request. */
  async commit(request: SessionHttpRequest, response: unknown): Promise<void> {
    const state = (request as RequestWithState)[SESSION_REQUEST_KEY];
    if (!state?.session || state.committed) {
      return;
    }
    state.committed = true;
    const session = state.session;
    await this.save(session);
    this.writeCookie(response, session, state);
  }

  async save(session: RequestSession): Promise<void> {
    const now = Date.now();
    if (session.destroyed) {
      if (session.storedIdHash) {
        const idHash = session.storedIdHash;
        await this.callStore(() => this.store.destroy(idHash));
        session.storedIdHash = null;
      }
      return;
    }
    if (session.storedIdHash === null) {
      await this.create(session, now);
    } else {
      await this.patch(session, session.storedIdHash, now);
    }
  }

  async reload(session: RequestSession): Promise<void> {
    const now = Date.now();
    const stored = session.storedIdHash
      ? await this.callStore(() => this.store.get(session.storedIdHash as string, now))
      : null;
    const wasStored = session.storedIdHash !== null;
    session.record = stored ?? this.freshRecord(now, session.record.ip, session.record.userAgent);
    session.markSaved(stored ? session.storedIdHash : null);
    if (wasStored && !stored) {
      // Gone from the store (destroyed elsewhere, expired): its ID must not come back to life.
      session.regenerate();
    }
  }

  private async open(request: SessionHttpRequest, id: string | undefined): Promise<RequestSession> {
    const now = Date.now();
    if (id !== undefined) {
      const idHash = SessionSigner.hashId(id);
      const stored = await this.callStore(() => this.store.get(idHash, now));
      if (stored && stored.expiresAt > now) {
        return new RequestSession(id, idHash, stored, this);
      }
    }
    const userAgent = getUserAgent(request)?.slice(0, MAX_USER_AGENT_LENGTH) ?? null;
    return new RequestSession(
      SessionSigner.generateId(),
      null,
      this.freshRecord(now, getClientIp(request), userAgent),
      this,
    );
  }

  private freshRecord(now: number, ip: string | null, userAgent: string | null): StoredSession {
    return {
      data: {},
      createdAt: now,
      lastActiveAt: now,
      expiresAt: now + this.options.idleTimeout,
      absoluteExpiresAt: now + this.options.absoluteTimeout,
      lifetime: null,
      userId: null,
      ip,
      userAgent,
    };
  }

  private async create(session: RequestSession, now: number): Promise<void> {
    const record = session.record;
    const isEmpty = Object.keys(record.data).length === 0 && record.lifetime === null;
    if (isEmpty && !this.options.saveUninitialized) {
      return;
    }
    this.assertSize(record.data);
    if (session.lifetimeChanged) {
      record.absoluteExpiresAt = this.absoluteExpiry(record, now);
    }
    record.lastActiveAt = now;
    record.expiresAt = this.nextExpiry(record, now);
    const idHash = SessionSigner.hashId(session.id);
    await this.callStore(() => this.store.create(idHash, record));
    session.cookieDirty = true;
    session.markSaved(idHash);
  }

  private async patch(session: RequestSession, storedIdHash: string, now: number): Promise<void> {
    const record = session.record;
    const idHash = SessionSigner.hashId(session.id);
    const patch: SessionPatch = { set: Object.fromEntries(session.changed), unset: [...session.removed] };
    if (idHash !== storedIdHash) {
      patch.newIdHash = idHash;
    }
    if (session.lifetimeChanged) {
      record.absoluteExpiresAt = this.absoluteExpiry(record, now);
      patch.lifetime = record.lifetime;
      patch.absoluteExpiresAt = record.absoluteExpiresAt;
    }
    if (session.userChanged) {
      patch.userId = record.userId;
    }
    const expiresAt = this.nextExpiry(record, now);
    const mustWrite = session.hasChanges || patch.newIdHash !== undefined || session.touched;
    if (!mustWrite && !this.touchIsDue(record, expiresAt)) {
      return;
    }
    if (session.changed.size > 0) {
      this.assertSize(record.data);
    }
    patch.lastActiveAt = now;
    patch.expiresAt = expiresAt;
    const found = await this.callStore(() => this.store.patch(storedIdHash, patch, now));
    if (!found) {
      // Destroyed or expired meanwhile (logout in another tab, revocation): never resurrect it.
      session.destroyed = true;
      session.storedIdHash = null;
      return;
    }
    record.lastActiveAt = now;
    record.expiresAt = expiresAt;
    session.markSaved(idHash);
  }

  /** A rolling session is written again only once a quarter of its idle time has gone by. */
  private touchIsDue(record: StoredSession, expiresAt: number): boolean {
    return (
      this.options.rolling &&
      expiresAt - record.expiresAt >= this.idleTimeout(record) * SESSION_DEFAULTS.touchAfterShare
    );
  }

  private idleTimeout(record: StoredSession): number {
    return record.lifetime ?? this.options.idleTimeout;
  }

  private absoluteExpiry(record: StoredSession, now: number): number {
    return record.lifetime === null ? record.createdAt + this.options.absoluteTimeout : now + record.lifetime;
  }

  private nextExpiry(record: StoredSession, now: number): number {
    return Math.min(now + this.idleTimeout(record), record.absoluteExpiresAt);
  }

  private assertSize(data: object): void {
    const size = Buffer.byteLength(JSON.stringify(data), 'utf8');
    if (size > this.options.maxSessionBytes) {
      throw new SessionTooLargeError(size, this.options.maxSessionBytes);
    }
  }

  private writeCookie(response: unknown, session: RequestSession, state: RequestState): void {
    const stored = session.storedIdHash !== null;
    let header: string | null = null;
    if (stored && (session.cookieDirty || state.signedWithOldSecret)) {
      header = serializeCookie(this.options.cookie.name, this.signer.sign(session.id), this.cookieAttributes(session));
    } else if (!stored && state.hadCookie) {
      header = serializeCookie(this.options.cookie.name, '', { ...this.cookieAttributes(null), expires: new Date(0) });
    }
    if (header === null) {
      return;
    }
    if (headersSent(response)) {
      this.logger.warn(
        'The response was sent before the session committed, so its cookie could not be set. Do not send the response yourself with @Res() unless passthrough: true.',
      );
      return;
    }
    appendSetCookie(response, header);
  }

  private cookieAttributes(session: RequestSession | null): SerializeOptions {
    const { path, domain, httpOnly, secure, sameSite } = this.options.cookie;
    const attributes: SerializeOptions = { path, domain, httpOnly, secure, sameSite };
    if (session?.lifetime != null) {
      attributes.maxAge = Math.max(0, Math.round((session.record.absoluteExpiresAt - Date.now()) / 1000));
    }
    return attributes;
  }

  /** Every store call goes through here: bounded in time, and any failure becomes a 503-mapped error. */
  private async callStore<R>(call: () => Promise<R>): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SessionStoreUnavailableError(`The session store did not answer within ${this.options.storeTimeout} ms`),
          ),
        this.options.storeTimeout,
      );
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (error) {
      if (error instanceof SessionError) {
        this.logger.warn(error.message);
        throw error;
      }
      this.logger.error(`Session store failure: ${error instanceof Error ? error.message : String(error)}`);
      throw new SessionStoreUnavailableError(undefined, error);
    } finally {
      clearTimeout(timer);
    }
  }
}
