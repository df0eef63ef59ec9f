import { Inject, Injectable, Logger } from '@nestjs/common';
import { serialize as serializeCookie, type SerializeOptions } from 'cookie';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionSigner, type VerifiedSessionId } from '../core/session-signer';
import type { RequestSession } from '../core/request-session';
import type { RequestState } from '../lifecycle/request-state';
import type { ResolvedSessionOptions } from '../module/session-options';
import { LegacySessionCookie } from './legacy-cookie';
import { cookieValuesOf } from './platform/cookie-values';
import { SessionTokenHeader } from './session-token-header';
import type { SessionTransportKind } from './session-transport.decorator';
import { answersWithHeader, readsIdFrom, type SessionIdVia } from './session-transport';
import {
  appendSetCookie,
  getCookieHeader,
  headersSent,
  setResponseHeader,
  type SessionHttpRequest,
} from './platform/http-platform';

/** What a request's `Cookie` header says about its session. */
export interface SessionCookieReading {
  /** At least one cookie of the session's name came (on the header transport: a `Bearer` credential). */
  present: boolean;
  /** The first of them that verifies (a sibling subdomain may have tossed in others), or null. */
  verified: VerifiedSessionId | null;
  /** With `legacyCookie`: whether express-session's cookie came, and its ID when none of ours verified. */
  legacy: { present: boolean; id: string | null };
  /** Where the ID came from: the cookie, `Authorization: Bearer` (then `legacy` is empty), or nothing. */
  via: SessionIdVia;
}

const NO_LEGACY = { present: false, id: null };

/**
 * Reads the session ID of requests and writes the one responses need: the cookie (signed, with the
 * configured attributes) or, on header-transport routes, the token header ({@link SessionTokenHeader}).
 */
@Injectable()
export class SessionCookies {
  private readonly logger = new Logger('SessionModule');
  private readonly signer: SessionSigner;
  private readonly legacy: LegacySessionCookie | null;
  private readonly tokens: SessionTokenHeader;

  constructor(@Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions) {
    this.signer = new SessionSigner(options.secrets);
    this.legacy = options.legacyCookie ? new LegacySessionCookie(options.legacyCookie) : null;
    this.tokens = new SessionTokenHeader(options.tokenHeader, this.signer);
  }

  /** Whether the request carries a cookie of the session's name, verified or not (no signature is checked). */
  carriesCookie(request: SessionHttpRequest): boolean {
    return cookieValuesOf(getCookieHeader(request), this.options.cookie.name).length > 0;
  }

  /** The ID from where the route's transport says: see {@link readsIdFrom}. */
  read(request: SessionHttpRequest, transport: SessionTransportKind = 'cookie'): SessionCookieReading {
    const token = transport === 'cookie' ? null : this.tokens.read(request);
    if (token && readsIdFrom(transport, token.present) === 'header') {
      return { ...token, legacy: NO_LEGACY, via: token.present ? 'header' : null };
    }
    const header = getCookieHeader(request);
    const values = cookieValuesOf(header, this.options.cookie.name);
    const verified = values.map((value) => this.signer.verify(value)).find((result) => result !== null) ?? null;
    const legacy = this.legacy?.read(header) ?? { present: false, id: null };
    const via = values.length > 0 || legacy.present ? 'cookie' : null;
    return { present: values.length > 0, verified, legacy: verified ? { ...legacy, id: null } : legacy, via };
  }

  /** Adds the `Set-Cookie` the response needs (the token header on header-transport responses), if any, with `Cache-Control: no-store` (and `Clear-Site-Data` when the session ended). */
  write(response: unknown, session: RequestSession, state: RequestState): void {
    if (answersWithHeader(state.transport, state.via)) {
      this.tokens.write(response, session, state);
      return;
    }
    const header = this.headerFor(session, state);
    const clearLegacy = state.hadLegacyCookie && this.legacy ? this.legacy.clearHeader() : null;
    if (header === null && clearLegacy === null) {
      return;
    }
    if (headersSent(response)) {
      this.logger.warn(
        'The response was sent before the session committed, so its cookie could not be set. Do not send the response yourself with @Res() unless passthrough: true.',
      );
      return;
    }
    if (header !== null) {
      appendSetCookie(response, header);
    }
    if (clearLegacy !== null) {
      appendSetCookie(response, clearLegacy);
      state.hadLegacyCookie = false;
    }
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
  private headerFor(session: RequestSession, state: RequestState): string | null {
    const { name } = this.options.cookie;
    if (session.storedIdHash !== null) {
      const due = session.cookieDirty || state.signedWithOldSecret;
      return due ? serializeCookie(name, this.signer.sign(session.id), this.attributes(session)) : null;
    }
    if (state.hadCookie && this.shouldClear(session, state)) {
      return serializeCookie(name, '', { ...this.attributes(null), expires: new Date(0) });
    }
    return null;
  }

  /**
   * Whether a cookie that names no live session is cleared. With tenants, only when this request
   * ended the session it loaded: a cookie shared across tenants' hosts still serves its own tenant.
   * Never a device-bound session's cookie that came without its short-lived cookie (`keepsCookie`).
   */
  private shouldClear(session: RequestSession, state: RequestState): boolean {
    return !state.keepsCookie && (this.options.tenant === null || session.loadedFromStore);
  }

  private attributes(session: RequestSession | null): SerializeOptions {
    const { path, domain, httpOnly, secure, sameSite } = this.options.cookie;
    const attributes: SerializeOptions = { path, domain, httpOnly, secure, sameSite };
    if (session?.lifetime != null) {
      attributes.maxAge = Math.max(0, Math.round((session.record.absoluteExpiresAt - Date.now()) / 1000));
    }
    return attributes;
  }
}
