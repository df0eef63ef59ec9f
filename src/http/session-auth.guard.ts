import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  Logger,
  Optional,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  SESSION_DEFAULTS,
  SESSION_FRESH_KEY,
  SESSION_MODULE_OPTIONS,
  SESSION_PUBLIC_KEY,
  SESSION_ROLES_KEY,
  SESSION_ROLES_MATCH_KEY,
} from '../core/session.constants';
import { isProofFresh } from '../core/session-authentication';
import type { RequestSession } from '../core/request-session';
import type { ResolvedSessionOptions } from '../module/session-options';
import { ReauthenticationRequiredException } from './reauthentication-required.exception';
import { toHttpException } from './session-http-errors';
import { SessionCommitter } from '../lifecycle/session-committer';
import { SessionLoader } from '../lifecycle/session-loader';
import { commitsAfterHandler } from './session-interceptor-binding';
import type { SessionUser } from '../core/session-user.interface';
import { transportOf } from './platform/execution-transport';
import { declaredTransportOf } from './session-transport';
import type { RolesMatch } from './roles.decorator';

/** The message of every 403: the roles a route needs are the server's business, not the client's. */
export const SESSION_FORBIDDEN_MESSAGE = 'You do not have the role this needs';

/** Module-level rather than a field, so a subclass can declare its own `logger`. */
const logger = new Logger('SessionAuthGuard');

/**
 * Lets a request through when its session has a logged-in user (401 otherwise) who has the roles
 * `@Roles()` asks for, if any (403 otherwise) and, on `@RequireFresh()` routes, proved who they are
 * recently enough (403 `REAUTHENTICATION_REQUIRED` otherwise); `@Public()` handlers pass without the checks. Loads
 * the session itself, since guards run before interceptors; the handler then shares the same
 * instance. Use it per route (`@UseGuards`) or for the whole app (`APP_GUARD`). Works on HTTP
 * routes, GraphQL resolvers and WebSocket gateways (from the handshake's cookie; there,
 * `@Session()` also needs `SessionInterceptor` on the gateway).
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  // Injected as properties, so a subclass's constructor takes only its own dependencies and calls super().
  @Inject(SessionLoader) protected readonly loader!: SessionLoader;
  @Inject(Reflector) protected readonly reflector!: Reflector;
  @Inject(SessionCommitter) protected readonly committer!: SessionCommitter;
  /** Optional, so a guard built by hand outside a SessionModule still works (with the default `freshAge`). */
  @Optional() @Inject(SESSION_MODULE_OPTIONS) protected readonly options?: ResolvedSessionOptions;

  /** Nest injects the dependencies itself; the parameters remain for code that builds the guard by hand. */
  constructor(loader?: SessionLoader, reflector?: Reflector) {
    if (loader) {
      this.loader = loader;
    }
    if (reflector) {
      this.reflector = reflector;
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic(context)) {
      return true;
    }
    const transport = transportOf(context);
    const session = transport
      ? await this.loader
          .load(transport.request, transport.response !== null, declaredTransportOf(this.reflector, context))
          .catch((error: unknown) => {
            throw toHttpException(error);
          })
      : null;
    const user = session?.user ?? null;
    if (!user) {
      return this.deny(context, new UnauthorizedException('You need to log in'));
    }
    const required = this.requiredRoles(context);
    if (required && required.roles.length > 0 && !this.hasRole(user, required.roles, required.match)) {
      const lacks = required.match === 'all' ? 'not all' : 'none';
      const route = `${context.getClass().name}.${context.getHandler().name}`;
      logger.debug(`403 on ${route}: the user has ${lacks} of the roles ${required.roles.join(', ')}`);
      return this.deny(context, new ForbiddenException(SESSION_FORBIDDEN_MESSAGE));
    }
    const maxAge = this.requiredFreshness(context);
    if (maxAge !== null && !this.isFresh(session!, maxAge)) {
      return this.deny(context, new ReauthenticationRequiredException());
    }
    if (transport && transport.response !== null && !commitsAfterHandler(context)) {
      // No interceptor of this module runs for this handler (it takes no @Session()): what the
      // load decided (a rolling extension, a renewal, a cookie signed with the current secret) is
      // saved now, since the handler cannot change the session.
      await this.committer.commit(transport.request, transport.response).catch((error: unknown) => {
        throw toHttpException(error);
      });
    }
    return true;
  }

  /** Whether `@Public()` marks the handler or its controller (the handler's own value wins). */
  protected isPublic(context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride<boolean | undefined>(SESSION_PUBLIC_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) === true
    );
  }

  /**
   * What `@Roles()` asks for: the handler's, else the controller's, names and match read from the
   * same one (a controller's `match: 'all'` never applies to a handler's own list).
   */
  protected requiredRoles(context: ExecutionContext): { roles: string[]; match: RolesMatch } | null {
    for (const target of [context.getHandler(), context.getClass()]) {
      const roles = this.reflector.get<string[] | undefined>(SESSION_ROLES_KEY, target);
      if (roles !== undefined) {
        return { roles, match: this.reflector.get<RolesMatch | undefined>(SESSION_ROLES_MATCH_KEY, target) ?? 'any' };
      }
    }
    return null;
  }

  /**
   * What `@RequireFresh()` asks for: the most milliseconds since the last proof of identity (the
   * handler's, else the controller's, else the module's `freshAge` for a bare `@RequireFresh()`), or null.
   */
  protected requiredFreshness(context: ExecutionContext): number | null {
    const marked = this.reflector.getAllAndOverride<number | true | undefined>(SESSION_FRESH_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (marked === undefined) {
      return null;
    }
    return marked === true ? (this.options?.freshAge ?? SESSION_DEFAULTS.freshAge) : marked;
  }

  /** Whether the session's last proof of identity is at most `maxAge` milliseconds old; override to change the rule. */
  protected isFresh(session: RequestSession, maxAge: number): boolean {
    return isProofFresh(session.record.data, maxAge);
  }

  /**
   * HTTP and GraphQL get the 401/403 exception; a WebSocket gateway gets `false`, which Nest turns
   * into a `WsException('Forbidden resource')` (an HTTP exception would reach the client as a 500).
   */
  protected deny(context: ExecutionContext, exception: HttpException): false {
    if (context.getType() === 'ws') {
      return false;
    }
    throw exception;
  }

  /**
   * Whether the user may pass; override to change the rule. The default: any one of the roles, or
   * every one with `@Roles(..., { match: 'all' })`.
   */
  protected hasRole(user: SessionUser, roles: string[], match: RolesMatch = 'any'): boolean {
    return match === 'all'
      ? roles.every((role) => user.roles.includes(role))
      : roles.some((role) => user.roles.includes(role));
  }
}
