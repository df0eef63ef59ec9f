import { Inject, Injectable, Logger } from '@nestjs/common';
import { parse as parseCookies, serialize as serializeCookie, type SerializeOptions } from 'cookie';
import { SESSION_DEFAULTS, SESSION_MODULE_OPTIONS, SESSION_REQUEST_KEY } from './session.constants';
import { SessionTooLargeError } from './session.errors';
import { SessionEvents } from './session-events';
import type { ResolvedSessionOptions } from './session-options';
import { SessionSigner } from './session-signer';
import { callStore } from './session-store-call';
import { SessionStore, type SessionPatch, type StoredSession, type UserSessionLimit } from './session-store.interface';
import { type ClientInfo, RequestSession, type SessionPersistence } from './request-session';
import {
  appendSetCookie,
  getClientIp,
  getCookieHeader,
  getUserAgent,
  headersSent,
  type SessionHttpRequest,
} from './platform/http-platform';
import { firstForwardedFor } from './platform/forwarded-for';

/** What one request carries: its session, loaded at most once, and how its cookie arrived. */
interface RequestState {
  loading: Promise<RequestSession>;
  session?: RequestSession;
  hadCookie: boolean;
  signedWithOldSecret: boolean;
}

type RequestWithState = SessionHttpRequest & { [SESSION_REQUEST_KEY]?: RequestState };

const MAX_USER_AGENT_LENGTH = 512;

/**
 * Loads a request's session (one store read, memoized on the request, shared by the guard,
 * the decorator and the interceptor) and commits it (one store write at most; a login with
 * `maxSessionsPerUser` adds one query).
 */
@Injectable()
export class SessionManager implements SessionPersistence {
  private readonly logger = new Logger('SessionModule');
  private readonly signer: SessionSigner;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SessionStore) private readonly store: SessionStore,
    private readonly events: SessionEvents,
  ) {
    this.signer = new SessionSigner(options.secrets);
  }

  /**
   * The request's session; the first call reads the store, later calls share the result.
   *
   * @param canSetCookie false where no cookie can reach the client (a WebSocket message): the
   *   session is then never given a new ID by `renewAfter`, which would log the client out.
   */
  load(request: SessionHttpRequest, canSetCookie = true): Promise<RequestSession> {
    const carrier = request as RequestWithState;
    const existing = carrier[SESSION_REQUEST_KEY];
    if (existing) {
      return existing.loading;
    }
    const cookieValue = parseCookies(getCookieHeader(request) ?? '')[this.options.cookie.name];
    const verified = this.signer.verify(cookieValue);
    const client = this.clientOf(request);
    const tenant = this.options.tenant?.(request) || '';
    if (cookieValue !== undefined && verified === null) {
      this.events.publish('rejected', { handle: null, userId: null, tenant, ...client }, 'signature');
    }
    const loading = this.open(verified?.id, tenant, client, canSetCookie);
    const state: RequestState = {
      loading,
      hadCookie: cookieValue !== undefined,
      signedWithOldSecret: verified?.signedWithOldSecret ?? false,
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

  /** Persists what changed in the request's session (if it was loaded) and adds the cookie header it needs. */
  async commit(request: SessionHttpRequest, response: unknown): Promise<void> {
    const state = (request as RequestWithState)[SESSION_REQUEST_KEY];
    if (!state?.session) {
      return;
    }
    await this.save(state.session);
    this.writeCookie(response, state.session, state);
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

  private async saveNow(session: RequestSession): Promise<void> {
    const now = Date.now();
    if (session.destroyed) {
      await this.destroy(session);
      return;
    }
    const loggingIn = session.userChanged && session.record.userId !== null;
    const limit = loggingIn && this.options.sessionLimitPolicy === 'refuse' ? this.limitOf(session, now) : undefined;
    const written =
      session.storedIdHash === null ? await this.create(session, now, limit) : await this.patch(session, now, limit);
    if (written && loggingIn && this.options.sessionLimitPolicy === 'evict-oldest') {
      await this.evictOverLimit(session, now);
    }
  }

  async reload(session: RequestSession): Promise<void> {
    const wasStored = session.storedIdHash !== null;
    const stored = wasStored ? await this.read(session.storedIdHash as string) : null;
    const live = stored && stored.expiresAt > Date.now() ? stored : null;
    session.record = live ?? this.freshRecord(Date.now(), session.record.tenant, session.record);
    session.markSaved(live ? session.storedIdHash : null);
    if (wasStored && !live) {
      // Gone from the store (destroyed elsewhere, expired): its ID must not come back to life.
      session.regenerate();
    }
  }

  private async open(
    id: string | undefined,
    tenant: string,
    client: ClientInfo,
    renewable: boolean,
  ): Promise<RequestSession> {
    const now = Date.now();
    if (id !== undefined) {
      const idHash = SessionSigner.hashId(id, tenant);
      const stored = await this.read(idHash);
      if (stored && (await this.acceptable(stored, idHash, client, now))) {
        const session = new RequestSession(id, idHash, stored, this, client);
        if (renewable && this.options.renewAfter !== null && now - stored.idIssuedAt >= this.options.renewAfter) {
          session.regenerate();
          session.renewing = true; // after regenerate(), which clears it
        }
        return session;
      }
    }
    const record = this.freshRecord(now, tenant, client);
    return new RequestSession(SessionSigner.generateId(), null, record, this, client);
  }

  /** Whether a stored session may serve this request: not expired, and presented by the client it is bound to. */
  private async acceptable(stored: StoredSession, idHash: string, client: ClientInfo, now: number): Promise<boolean> {
    if (stored.expiresAt <= now) {
      this.events.publish('expired', { ...stored, ...client });
      return false;
    }
    const { bind } = this.options;
    if ((bind.ip && stored.ip !== client.ip) || (bind.userAgent && stored.userAgent !== client.userAgent)) {
      this.events.publish('rejected', { ...stored, ...client }, 'binding');
      // Whoever presents it from elsewhere may have stolen it: the session is over for everyone, and
      // gone before this request answers, so no request that follows can still be served by it.
      await this.call(() => this.store.destroy(idHash)).catch(() => undefined);
      return false;
    }
    return true;
  }

  private freshRecord(now: number, tenant: string, client: ClientInfo): StoredSession {
    return {
      handle: SessionSigner.generateHandle(),
      tenant,
      data: {},
      createdAt: now,
      lastActiveAt: now,
      idIssuedAt: now,
      expiresAt: now + this.options.idleTimeout,
      absoluteExpiresAt: now + this.options.absoluteTimeout,
      lifetime: null,
      userId: null,
      ip: client.ip,
      userAgent: client.userAgent,
    };
  }

  private async create(session: RequestSession, now: number, limit?: UserSessionLimit): Promise<boolean> {
    const record = session.record;
    const isEmpty = Object.keys(record.data).length === 0 && record.lifetime === null;
    if (isEmpty && !this.options.saveUninitialized) {
      return false;
    }
    this.assertSize(record.data);
    if (session.lifetimeChanged) {
      record.absoluteExpiresAt = this.absoluteExpiry(record, now);
    }
    if (session.userChanged) {
      Object.assign(record, session.client);
    }
    record.lastActiveAt = now;
    record.idIssuedAt = now;
    record.expiresAt = this.nextExpiry(record, now);
    const idHash = SessionSigner.hashId(session.id, record.tenant);
    const loggedIn = session.userChanged && record.userId !== null;
    const revision = session.revision;
    await this.call(() => this.store.create(idHash, record, limit));
    session.cookieDirty = true;
    session.markSaved(idHash, revision);
    this.events.publish('created', record);
    if (loggedIn) {
      this.events.publish('logged-in', record);
    }
    return true;
  }

  private async patch(session: RequestSession, now: number, limit?: UserSessionLimit): Promise<boolean> {
    const record = session.record;
    const storedIdHash = session.storedIdHash as string;
    const idHash = SessionSigner.hashId(session.id, record.tenant);
    const patch: SessionPatch = { set: Object.fromEntries(session.changed), unset: [...session.removed] };
    if (idHash !== storedIdHash) {
      patch.newIdHash = idHash;
      patch.idIssuedAt = now;
    }
    if (session.lifetimeChanged) {
      record.absoluteExpiresAt = this.absoluteExpiry(record, now);
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
    const expiresAt = this.nextExpiry(record, now);
    const extend =
      session.touched ||
      session.lifetimeChanged ||
      patch.newIdHash !== undefined ||
      (this.extensionIsDue(record, expiresAt) && (this.options.rolling || session.hasChanges));
    if (!extend && !session.hasChanges) {
      return false;
    }
    if (session.changed.size > 0) {
      this.assertSize(record.data);
    }
    patch.lastActiveAt = now;
    if (extend) {
      // Only then: an update that leaves the indexed expiry alone is a cheap HOT update.
      patch.expiresAt = expiresAt;
    }
    const { renewing, userChanged, revision } = session;
    const found = await this.call(() => this.store.patch(storedIdHash, patch, now, limit));
    if (!found && session.renewing && !session.hasChanges) {
      // A parallel request of this session renewed it first: its response carries the new cookie,
      // so this one must not clear it.
      session.markSaved(storedIdHash);
      session.cookieDirty = false;
      return false;
    }
    if (!found) {
      // Destroyed or expired meanwhile (logout in another tab, revocation): never resurrect it.
      session.destroyed = true;
      session.storedIdHash = null;
      return false;
    }
    record.lastActiveAt = now;
    if (extend) {
      record.expiresAt = expiresAt;
    }
    session.markSaved(idHash, revision);
    if (patch.newIdHash !== undefined) {
      this.events.publish(renewing ? 'renewed' : 'regenerated', record);
    }
    if (userChanged) {
      this.events.publish(record.userId === null ? 'logged-out' : 'logged-in', record);
    }
    return true;
  }

  private async destroy(session: RequestSession): Promise<void> {
    const idHash = session.storedIdHash;
    if (idHash === null) {
      return;
    }
    await this.call(() => this.store.destroy(idHash));
    session.storedIdHash = null;
    this.events.publish('destroyed', session.record);
  }

  /**
   * Under the `'refuse'` policy, what the store checks as it writes a login: a login that would pass
   * `maxSessionsPerUser` fails with nothing written, even when logins of one user come at once.
   */
  private limitOf(session: RequestSession, now: number): UserSessionLimit | undefined {
    const max = this.options.maxSessionsPerUser;
    const { userId, tenant } = session.record;
    return max === null || userId === null ? undefined : { userId, tenant, max, now };
  }

  /** Under `'evict-oldest'`, the least recently active of the user's other sessions make room for this one. */
  private async evictOverLimit(session: RequestSession, now: number): Promise<void> {
    const limit = this.options.maxSessionsPerUser;
    const { userId, tenant, handle } = session.record;
    if (limit === null || userId === null) {
      return;
    }
    const evicted = await this.call(() =>
      this.store.destroyByUser({ userId, tenant, exceptHandle: handle, keepNewest: limit - 1, now }),
    );
    this.events.publishRevoked(evicted, now, 'session-limit');
  }

  /**
   * Expiry moves only once a quarter of the idle time has gone by since it last moved: a read-only
   * request of a rolling session then costs no write, and a change no index update.
   */
  private extensionIsDue(record: StoredSession, expiresAt: number): boolean {
    return expiresAt - record.expiresAt >= this.idleTimeout(record) * SESSION_DEFAULTS.touchAfterShare;
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

  private clientOf(request: SessionHttpRequest): ClientInfo {
    const forwarded = this.options.trustProxy ? firstForwardedFor(request) : null;
    const userAgent = getUserAgent(request)?.slice(0, MAX_USER_AGENT_LENGTH) ?? null;
    return { ip: forwarded ?? getClientIp(request), userAgent };
  }

  private writeCookie(response: unknown, session: RequestSession, state: RequestState): void {
    const stored = session.storedIdHash !== null;
    let header: string | null = null;
    if (stored && (session.cookieDirty || state.signedWithOldSecret)) {
      const value = this.signer.sign(session.id);
      header = serializeCookie(this.options.cookie.name, value, this.cookieAttributes(session));
    } else if (!stored && state.hadCookie && this.options.tenant === null) {
      // Not with tenants: a cookie shared across tenants' hosts still serves the tenant it belongs to.
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
    // What the browser now holds: a second commit in this request must not send it again.
    session.cookieDirty = false;
    state.signedWithOldSecret = false;
    state.hadCookie = stored;
  }

  private cookieAttributes(session: RequestSession | null): SerializeOptions {
    const { path, domain, httpOnly, secure, sameSite } = this.options.cookie;
    const attributes: SerializeOptions = { path, domain, httpOnly, secure, sameSite };
    if (session?.lifetime != null) {
      attributes.maxAge = Math.max(0, Math.round((session.record.absoluteExpiresAt - Date.now()) / 1000));
    }
    return attributes;
  }

  private read(idHash: string): Promise<StoredSession | null> {
    return this.call(() => this.store.get(idHash));
  }

  private call<R>(operation: () => Promise<R>): Promise<R> {
    return callStore(operation, this.options.storeTimeout, this.logger);
  }
}
