import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { bearerTokenOf } from '../http/bearer-token';
import { transportOf } from '../http/platform/execution-transport';
import { SessionCookies } from '../http/session-cookies';
import { toHttpException } from '../http/session-http-errors';
import { declaredTransportOf, readsIdFrom } from '../http/session-transport';
import type { SessionTransportKind } from '../http/session-transport.decorator';
import { SessionLoader } from '../lifecycle/session-loader';
import type { ResolvedSessionOptions } from '../module/session-options';
import { isUnsafeMethod, submittedCsrfToken, type CsrfRequest } from './csrf-request';
import { storedCsrfSecret } from './csrf-secret';
import { verifyCsrfToken } from './csrf-token';
import { CsrfTokenException } from './csrf-token.exception';
import { SESSION_SKIP_CSRF_KEY } from './skip-csrf.decorator';

/**
 * Refuses a POST, PUT, PATCH or DELETE that carries a session cookie unless it also carries a CSRF
 * token of that session (`session.csrfToken()`): in the `x-csrf-token` header, or in the `_csrf`
 * field of a parsed body (names set by the module's `csrf` option). 403 with code
 * `CSRF_TOKEN_MISSING` or `CSRF_TOKEN_INVALID` otherwise. Use it per route (`@UseGuards`) or for
 * the whole app (`APP_GUARD`); `@SkipCsrf()` exempts a route. See docs/csrf.md.
 *
 * Passes unchecked: safe methods, requests without a session cookie (no session to ride on),
 * sessions carried in `Authorization: Bearer` (a forged request cannot set that header), WebSocket
 * messages and microservice contexts. GraphQL served over HTTP is checked like any HTTP request.
 */
@Injectable()
export class SessionCsrfGuard implements CanActivate {
  // Injected as properties, so a subclass's constructor takes only its own dependencies and calls super().
  @Inject(SessionLoader) protected readonly loader!: SessionLoader;
  @Inject(SessionCookies) protected readonly cookies!: SessionCookies;
  @Inject(Reflector) protected readonly reflector!: Reflector;
  @Inject(SESSION_MODULE_OPTIONS) protected readonly options!: ResolvedSessionOptions;

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const transport = declaredTransportOf(this.reflector, context);
    const request = this.requestToCheck(context, transport ?? this.options.transport);
    if (request === null) {
      return true;
    }
    const { header, field } = this.options.csrf;
    const token = submittedCsrfToken(request, header, field);
    if (token === null) {
      throw new CsrfTokenException('CSRF_TOKEN_MISSING');
    }
    // The same memoized load, for the route's transport, that its @Session() and SessionAuthGuard
    // use: one store read in all.
    const session = await this.loader.load(request, true, transport).catch((error: unknown) => {
      throw toHttpException(error);
    });
    const secret = storedCsrfSecret(session);
    if (secret === null || !verifyCsrfToken(secret, token)) {
      throw new CsrfTokenException('CSRF_TOKEN_INVALID');
    }
    return true;
  }

  /** The request to check, or null when this one needs no token; each reason is a named decision. */
  protected requestToCheck(context: ExecutionContext, transport: SessionTransportKind): CsrfRequest | null {
    if (!this.options.csrf.enabled || this.isSkipped(context) || !this.isCheckedContext(context)) {
      return null;
    }
    const request = transportOf(context)?.request as CsrfRequest | undefined;
    if (!request || !isUnsafeMethod(request) || !this.cookies.carriesCookie(request)) {
      return null;
    }
    return this.sessionRidesOnCookie(transport, request) ? request : null;
  }

  /** Whether `@SkipCsrf()` marks the handler or its controller (the handler's own value wins). */
  protected isSkipped(context: ExecutionContext): boolean {
    const skip = this.reflector.getAllAndOverride<boolean | undefined>(SESSION_SKIP_CSRF_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    return skip === true;
  }

  /**
   * HTTP routes and GraphQL resolvers (served over HTTP, where a browser sends the cookie with a
   * forged POST). Not WebSocket messages: a socket is not a request a foreign page can forge with
   * the user's cookie once open, and its handshake is a GET (check its `Origin` instead).
   */
  protected isCheckedContext(context: ExecutionContext): boolean {
    const type = context.getType<string>();
    return type === 'http' || type === 'graphql';
  }

  /**
   * Whether the session this request acts on comes from its cookie: the route's transport reads
   * cookies, and on a `'both'` route no `Authorization: Bearer` header overrides them.
   */
  protected sessionRidesOnCookie(transport: SessionTransportKind, request: CsrfRequest): boolean {
    return readsIdFrom(transport, bearerTokenOf(request.headers.authorization).present) === 'cookie';
  }
}
