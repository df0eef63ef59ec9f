import { Inject, Injectable } from '@nestjs/common';
import { isRenewalDue } from '../core/expiry';
import { RequestSession } from '../core/request-session';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { newSessionRecord, type ClientInfo } from '../core/session-record';
import { SessionSigner } from '../core/session-signer';
import { SessionCache } from '../cache/session-cache';
import { SessionEventPublisher } from '../events/session-event-publisher';
import { clientAddress } from '../http/platform/client-address';
import { getUserAgent, type SessionHttpRequest } from '../http/platform/http-platform';
import { SessionCookies } from '../http/session-cookies';
import type { SessionTransportKind } from '../http/session-transport.decorator';
import type { ResolvedSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import type { StoredSession } from '../store/stored-session.interface';
import { RequestStates } from './request-state';
import { SessionCommitter } from './session-committer';
import { DeviceBindingGate } from '../dbsc/device-binding-gate';
import type { RequestState } from './request-state';

const MAX_USER_AGENT_LENGTH = 512;

/** Whether a stored session's device binding (DBSC) admits the request; records a refusal. */
type DeviceCheck = (stored: StoredSession, now: number) => boolean;

/**
 * Loads a request's session: cookie, then ID, then one store read, then admission (expiry,
 * binding) and renewal. Memoized on the request, so the guard, the decorator and the interceptor
 * share one read.
 */
@Injectable()
export class SessionLoader {
  private readonly deviceGate: DeviceBindingGate;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly store: BoundedStore,
    private readonly cookies: SessionCookies,
    private readonly committer: SessionCommitter,
    private readonly events: SessionEventPublisher,
    private readonly cache: SessionCache,
  ) {
    this.deviceGate = new DeviceBindingGate(options);
  }

  /**
   * The request's session; the first call reads the store, later calls share the result.
   *
   * @param canSetCookie false where no cookie can reach the client (a WebSocket message): the
   *   session is then never given a new ID by `renewAfter`, which would log the client out.
   * @param transport how the route carries the ID (`@SessionTransport()`); default: the `transport` option.
   */
  load(request: SessionHttpRequest, canSetCookie = true, transport?: SessionTransportKind): Promise<RequestSession> {
    const existing = RequestStates.of(request);
    if (existing) {
      return existing.loading;
    }
    const accepted = transport ?? this.options.transport;
    const { present, verified, legacy, via } = this.cookies.read(request, accepted);
    const client = this.clientOf(request);
    const tenant = this.options.tenant?.(request) || '';
    if (verified === null && (present || (legacy.present && legacy.id === null))) {
      this.events.publish('rejected', { handle: null, userId: null, tenant, ...client }, 'signature');
    }
    const state: Omit<RequestState, 'loading'> = {
      hadCookie: present && via === 'cookie',
      signedWithOldSecret: verified?.signedWithOldSecret ?? false,
      hadLegacyCookie: legacy.present,
      transport: accepted,
      via,
    };
    // Without `dbsc` no session is device-bound: the check, and its closure, are left out.
    const device: DeviceCheck | undefined = this.options.dbsc
      ? (stored, now) => {
          const admitted = this.deviceGate.admits(stored, request, now);
          state.keepsCookie ||= !admitted;
          return admitted;
        }
      : undefined;
    const id = verified?.id ?? legacy.id ?? undefined;
    const loading = this.open(id, tenant, client, canSetCookie, legacy.id !== null, device);
    RequestStates.attach(request, Object.assign(state, { loading }));
    return loading;
  }

  /**
   * The stored session the request's session cookie names, read from the store (never a cached
   * copy: DBSC writes are fenced on its version) and admitted as {@link load} admits, except for
   * the device check: for the DBSC endpoints, which a bound session reaches without its short-lived cookie.
   */
  async loadStored(request: SessionHttpRequest): Promise<StoredSession | null> {
    const { verified } = this.cookies.read(request, 'cookie');
    if (verified === null) {
      return null;
    }
    const tenant = this.options.tenant?.(request) || '';
    const stored = await this.read(SessionSigner.hashId(verified.id, tenant));
    return stored && (await this.admits(stored, this.clientOf(request), Date.now())) ? stored : null;
  }

  private async open(
    id: string | undefined,
    tenant: string,
    client: ClientInfo,
    renewable: boolean,
    legacy: boolean,
    device: DeviceCheck | undefined,
  ): Promise<RequestSession> {
    const now = Date.now();
    if (id !== undefined) {
      const idHash = SessionSigner.hashId(id, tenant);
      const stored = this.cache.lookup(idHash, now) ?? (await this.read(idHash));
      if (stored && (await this.admits(stored, client, now, device))) {
        const session = new RequestSession(id, idHash, stored, this.committer, client);
        // An express-session ID (`legacyCookie`) is replaced on first use, as a renewal would.
        if (renewable && (legacy || isRenewalDue(stored, now, this.options.renewAfter))) {
          session.regenerate();
          session.renewing = true; // after regenerate(), which clears it
        }
        return session;
      }
    }
    const record = newSessionRecord(now, tenant, client, this.options);
    return new RequestSession(SessionSigner.generateId(), null, record, this.committer, client);
  }

  /** The store's copy of the session, which the cache keeps if nothing changed while it was on its way. */
  private async read(idHash: string): Promise<StoredSession | null> {
    const ticket = this.cache.ticket();
    const stored = await this.store.call((store, call) => store.get(idHash, call));
    this.cache.fill(idHash, stored, ticket);
    return stored;
  }

  /**
   * Whether a stored session may serve this request: not expired, presented by the client it is
   * bound to (`bind`), and, when device-bound (DBSC), with its short-lived cookie.
   */
  private async admits(stored: StoredSession, client: ClientInfo, now: number, device?: DeviceCheck): Promise<boolean> {
    if (stored.expiresAt <= now) {
      this.events.publish('expired', { ...stored, ...client });
      return false;
    }
    if (!this.matchesBinding(stored, client)) {
      this.events.publish('rejected', { ...stored, ...client }, 'binding');
      // Whoever presents it from elsewhere may have stolen it: the session is over for everyone, and
      // gone before this request answers, so no request that follows can still be served by it.
      this.cache.forget(stored.handle);
      await this.store.call((store, call) => store.destroy(stored.handle, call)).catch(() => undefined);
      return false;
    }
    if (device && !device(stored, now)) {
      // Not destroyed: the browser holding the key gets its short-lived cookie back by a refresh.
      this.events.publish('rejected', { ...stored, ...client }, 'device');
      return false;
    }
    return true;
  }

  /** `bind`: the IP and user agent recorded at creation or login must be the request's. */
  private matchesBinding(stored: StoredSession, client: ClientInfo): boolean {
    const { bind } = this.options;
    return (!bind.ip || stored.ip === client.ip) && (!bind.userAgent || stored.userAgent === client.userAgent);
  }

  /** Who sent the request, worked out on first use: a read of a session without `bind` never needs it. */
  private clientOf(request: SessionHttpRequest): ClientInfo {
    const { trustProxy } = this.options;
    let ip: string | null | undefined;
    let userAgent: string | null | undefined;
    // Own enumerable getters, so spreading the object (events, a login's record) reads them.
    return {
      get ip() {
        return ip === undefined ? (ip = clientAddress(request, trustProxy)) : ip;
      },
      get userAgent() {
        return userAgent === undefined
          ? (userAgent = getUserAgent(request)?.slice(0, MAX_USER_AGENT_LENGTH) ?? null)
          : userAgent;
      },
    };
  }
}
