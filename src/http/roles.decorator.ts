import { applyDecorators, SetMetadata } from '@nestjs/common';
import { SESSION_ROLES_KEY, SESSION_ROLES_MATCH_KEY } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';

/** Whether a user needs any one of the roles `@Roles()` names (the default) or all of them. */
export type RolesMatch = 'any' | 'all';

/** The optional last argument of `@Roles()`. */
export interface RolesOptions {
  /** `'any'` (the default): one of the roles is enough; `'all'`: the user needs every one. */
  match: RolesMatch;
}

/**
 * Roles that `SessionAuthGuard` requires: by default the user needs at least one of them,
 * `@Roles('admin', 'auditor', { match: 'all' })` asks for every one. On a handler it overrides the
 * controller's (names and match together); `@Roles()` with no name asks for a login only.
 */
export function Roles(...args: string[] | [...roles: string[], options: RolesOptions]) {
  const last = args.at(-1);
  const options = typeof last === 'object' ? last : undefined;
  const roles = (options ? args.slice(0, -1) : args) as string[];
  const match = options?.match ?? 'any';
  if (match !== 'any' && match !== 'all') {
    throw new SessionConfigurationError(`@Roles() takes { match: 'any' } or { match: 'all' }, not '${String(match)}'`);
  }
  // Both keys on the same target, always: a handler's @Roles() overrides the controller's match too.
  return applyDecorators(SetMetadata(SESSION_ROLES_KEY, roles), SetMetadata(SESSION_ROLES_MATCH_KEY, match));
}
