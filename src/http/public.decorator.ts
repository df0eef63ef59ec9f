import { SetMetadata } from '@nestjs/common';
import { SESSION_PUBLIC_KEY } from '../core/session.constants';

/**
 * Lets a handler, or every handler of a controller, through `SessionAuthGuard` without a login:
 * the way out when the guard is registered for the whole app (`APP_GUARD`), for `/login`,
 * `/health` and the like. The guard then neither loads the session nor checks `@Roles()`; a handler
 * that takes `@Session()` still gets its session, loaded by the interceptor as on any unguarded route.
 */
export const Public = () => SetMetadata(SESSION_PUBLIC_KEY, true);
