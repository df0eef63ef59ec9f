import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SESSION_ROLES_KEY } from './session.constants';
import { toHttpException } from './session-http-errors';
import { SessionManager } from './session-manager';
import type { SessionUser } from './session-user.interface';
import type { SessionHttpRequest } from './platform/http-platform';

/**
 * Lets a request through when its session has a logged-in user (401 otherwise) who has
 * one of the roles `@Roles()` asks for, if any (403 otherwise). Loads the session itself,
 * since guards run before interceptors; the handler then shares the same instance.
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(
    protected readonly manager: SessionManager,
    protected readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SessionHttpRequest>();
    const session = await this.manager.load(request).catch((error: unknown) => {
      throw toHttpException(error);
    });
    const user = session.user;
    if (!user) {
      throw new UnauthorizedException('You need to log in');
    }
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(SESSION_ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && roles.length > 0 && !this.hasRole(user, roles)) {
      throw new ForbiddenException(`This needs one of the roles: ${roles.join(', ')}`);
    }
    return true;
  }

  /** Whether the user may pass; override to change the rule (the default: any one of the roles). */
  protected hasRole(user: SessionUser, roles: string[]): boolean {
    return roles.some((role) => user.roles.includes(role));
  }
}
