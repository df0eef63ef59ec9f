import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SESSION_ROLES_KEY } from '../core/session.constants';
import { toHttpException } from './session-http-errors';
import { SessionLoader } from '../lifecycle/session-loader';
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
