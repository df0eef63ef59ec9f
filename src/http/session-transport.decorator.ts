import { type CustomDecorator, SetMetadata } from '@nestjs/common';
import { SESSION_TRANSPORT_KEY } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';

/**
 * How requests of a route carry the session: `'cookie'` (the default), `'header'`
 * (`Authorization: Bearer <token>` in, the `tokenHeader` response header out; never a cookie), or
 * `'both'` (an `Authorization: Bearer` header, when a request has one, decides alone; otherwise
 * the cookie).
 */
export type SessionTransportKind = 'cookie' | 'header' | 'both';

/** Every {@link SessionTransportKind}, for validation. */
export const SESSION_TRANSPORT_KINDS: readonly SessionTransportKind[] = ['cookie', 'header', 'both'];

/**
 * Chooses how a handler's or controller's requests carry the session (the handler's own choice
 * wins); routes without it use the module's `transport` option. See {@link SessionTransportKind}
 * and docs/header-tokens.md.
 *
 * ```ts
 * @Controller('api')
 * @SessionTransport('header')
 * export class ApiController {}
 * ```
 */
export function SessionTransport(transport: SessionTransportKind): CustomDecorator<string> {
  if (!SESSION_TRANSPORT_KINDS.includes(transport)) {
    throw new SessionConfigurationError(
      `@SessionTransport("${String(transport)}") is unknown: use one of ${SESSION_TRANSPORT_KINDS.join(', ')}.`,
    );
  }
  return SetMetadata(SESSION_TRANSPORT_KEY, transport);
}
