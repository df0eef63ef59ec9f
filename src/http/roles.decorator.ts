import { SetMetadata } from '@nestjs/common';
import { SESSION_ROLES_KEY } from '../core/session.constants';

/**
 * Roles that `SessionAuthGuard` requires: the user needs at least one of them.
 * On a handler it overrides the controller's.
 */
export const Roles = (...roles: string[]) => SetMetadata(SESSION_ROLES_KEY, roles);
