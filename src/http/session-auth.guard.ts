import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SESSION_ROLES_KEY } from '../core/session.constants';
import { toHttpException } from './session-http-errors';
import { SessionCommitter } from '../lifecycle/session-committer';
import { SessionLoader } from '../lifecycle/session-loader';
import { commitsAfterHandler } from './session-interceptor-binding';
import type { SessionUser } from '../core/session-user.interface';
import { transportOf } from './platform/execution-transport';

/**
 * Lets a request through when its session has a logged-in user (401 otherwise) who has
 * one of the roles `@Roles()` asks for, if any (403 otherwise). Loads the session itself,
 * since guards run before interceptors; the handler then shares the same instance. Works on
 * HTTP routes, GraphQL resolvers and WebSocket gateways (from the handshake's cookie; there,
 * `@Session()` also needs `SessionInterceptor` on the gateway).
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  /** Injected as a property, so subclasses keep the constructor they have. */
  @Inject(SessionCommitter) protected readonly committer!: SessionCommitter;

  constructor(
    protected readonly loader: SessionLoader,
    protected readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const transport = transportOf(context);
    const session = transport
      ? await this.loader.load(transport.request, transport.response !== null).catch((error: unknown) => {
          throw toHttpException(error);
        })
      : null;
    const user = session?.user ?? null;
    if (!user) {
      return this.deny(context, new UnauthorizedException('You need to log in'));
    }
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(SESSION_ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && roles.length > 0 && !this.hasRole(user, roles)) {
      return this.deny(context, new ForbiddenException(`This needs one of the roles: ${roles.join(', ')}`));
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

  /** Whether the user may pass; override to change the rule (the default: any one of the roles). */
  protected hasRole(user: SessionUser, roles: string[]): boolean {
    return roles.some((role) => user.roles.includes(role));
  }
}
