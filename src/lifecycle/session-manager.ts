import { Inject, Injectable, Logger } from '@nestjs/common';
import { serialize as serializeCookie, type SerializeOptions } from 'cookie';
import { SESSION_DEFAULTS, SESSION_MODULE_OPTIONS, SESSION_REQUEST_KEY } from '../core/session.constants';
import { SessionTooLargeError } from '../core/session.errors';
import { SessionEvents } from '../events/session-events';
import type { ResolvedSessionOptions } from '../module/session-options';
import { SessionSigner, type VerifiedSessionId } from '../core/session-signer';
import { callStore } from '../store/session-store-call';
import { SessionStoreHealth } from '../store/session-store-health';
import {
  SessionStore,
  type SessionPatch,
  type SessionWriteOptions,
  type StoredSession,
  type UserSessionLimit,
} from '../store/session-store.interface';
import { cookieValuesOf } from '../http/platform/cookie-values';
import { type ClientInfo, RequestSession, type SessionPersistence } from '../core/request-session';
import {
  appendSetCookie,
  getCookieHeader,
  getUserAgent,
  headersSent,
  setResponseHeader,
  type SessionHttpRequest,
} from '../http/platform/http-platform';
import { clientAddress } from '../http/platform/client-address';

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
    // Constructed by hand (unit tests), it gets a tracker of its own.
    private readonly health: SessionStoreHealth = new SessionStoreHealth(),
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
    const cookieValues = cookieValuesOf(getCookieHeader(request), this.options.cookie.name);
    const verified = this.firstVerified(cookieValues);
    const client = this.clientOf(request);
    const tenant = this.options.tenant?.(request) || '';
    if (cookieValues.length > 0 && verified === null) {
      this.events.publish('rejected', { handle: null, userId: null, tenant, ...client }, 'signature');
    }
    const loading = this.open(verified?.id, tenant, client, canSetCookie);
    const state: RequestState = {
      loading,
      hadCookie: cookieValues.length > 0,
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

  /**
   * Persists what changed in the request's session (if it was loaded) and adds the cookie header it
   * needs. After the handler threw (`afterError`), only plain data changes are kept: a login,
   * logout, role, ID or lifetime change, or a destroy, made before the throw is dropped.
   */
  async commit(request: SessionHttpRequest, response: unknown, afterError = false): Promise<void> {
    const state = (request as RequestWithState)[SESSION_REQUEST_KEY];
    if (!state?.session) {
      return;
    }
    if (afterError) {
      state.session.keepOnlyDataChanges();
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
      if (stored && (await this.acceptable(stored, client, now))) {
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
  private async acceptable(stored: StoredSession, client: ClientInfo, now: number): Promise<boolean> {
    if (stored.expiresAt <= now) {
      this.events.publish('expired', { ...stored, ...client });
      return false;
    }
    const { bind } = this.options;
    if ((bind.ip && stored.ip !== client.ip) || (bind.userAgent && stored.userAgent !== client.userAgent)) {
      this.events.publish('rejected', { ...stored, ...client }, 'binding');
      // Whoever presents it from elsewhere may have stolen it: the session is over for everyone, and
      // gone before this request answers, so no request that follows can still be served by it.
      await this.call(() => this.store.destroy(stored.handle)).catch(() => undefined);
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
    await this.call(() => this.store.create(idHash, record, this.writeOptions(now, limit)));
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
      if (session.renewing) {
        // A renewal yields to any other change of ID (a login, a logout, another renewal), and
        // leaves the old ID working a moment for the requests the client already sent with it.
        patch.ifIdHash = storedIdHash;
        patch.keepPreviousFor = this.options.renewalGracePeriod;
      }
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
    const written = await this.call(() => this.store.patch(record.handle, patch, this.writeOptions(now, limit)));
    if (written === null) {
      // Destroyed or expired meanwhile (logout in another tab, revocation): never resurrect it.
      session.destroyed = true;
      session.storedIdHash = null;
      return false;
    }
    record.lastActiveAt = now;
    if (extend) {
      record.expiresAt = expiresAt;
    }
    const renewalYielded = renewing && written !== idHash;
    if (renewalYielded) {
      // A parallel request of this session changed its ID first: its response carries the cookie.
      session.abandonRenewal();
    }
    session.markSaved(renewalYielded ? storedIdHash : idHash, revision);
    if (!renewalYielded && patch.newIdHash !== undefined) {
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
    // By handle: the session ends whatever ID a parallel request (a renewal) gave it meanwhile.
    await this.call(() => this.store.destroy(session.record.handle));
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
    const userAgent = getUserAgent(request)?.slice(0, MAX_USER_AGENT_LENGTH) ?? null;
    return { ip: clientAddress(request, this.options.trustProxy), userAgent };
  }

  private writeCookie(response: unknown, session: RequestSession, state: RequestState): void {
    const header = this.cookieHeader(session, state);
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
    // A response that carries a session cookie must never be served from a shared cache to someone else.
    setResponseHeader(response, 'Cache-Control', 'no-store');
    if (session.ended && this.options.clearSiteData.length > 0) {
      setResponseHeader(response, 'Clear-Site-Data', this.options.clearSiteData.map((type) => `"${type}"`).join(', '));
    }
    // What the browser now holds: a second commit in this request must not send it again.
    session.cookieDirty = false;
    state.signedWithOldSecret = false;
    state.hadCookie = session.storedIdHash !== null;
  }

  /** The `Set-Cookie` this response needs (the session's cookie, or one that clears it), or null. */
  private cookieHeader(session: RequestSession, state: RequestState): string | null {
    const { name } = this.options.cookie;
    if (session.storedIdHash !== null) {
      const due = session.cookieDirty || state.signedWithOldSecret;
      return due ? serializeCookie(name, this.signer.sign(session.id), this.cookieAttributes(session)) : null;
    }
    if (state.hadCookie && this.shouldClearCookie(session)) {
      return serializeCookie(name, '', { ...this.cookieAttributes(null), expires: new Date(0) });
    }
    return null;
  }

  /**
   * Whether a cookie that names no live session is cleared. With tenants, only when this request
   * ended the session it loaded: a cookie shared across tenants' hosts still serves its own tenant.
   */
  private shouldClearCookie(session: RequestSession): boolean {
    return this.options.tenant === null || session.loadedFromStore;
  }

  /** What bounds a store write: the size limit, and the time after which it must not be applied. */
  private writeOptions(now: number, limit?: UserSessionLimit): SessionWriteOptions {
    const deadline = Date.now() + this.options.storeTimeout * SESSION_DEFAULTS.writeDeadlineShare;
    return { now, limit, maxBytes: this.options.maxSessionBytes, deadline };
  }

  /** The first of the request's session cookies that verifies (a sibling subdomain may have tossed in others). */
  private firstVerified(values: string[]): VerifiedSessionId | null {
    for (const value of values) {
      const verified = this.signer.verify(value);
      if (verified !== null) {
        return verified;
      }
    }
    return null;
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
    return callStore(operation, this.options.storeTimeout, this.health);
  }
}
