import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { SESSION_TRANSPORT_KEY } from '../core/session.constants';
import type { SessionTransportKind } from './session-transport.decorator';

/** How a request's session ID arrived: in the cookie, in `Authorization: Bearer`, or not at all. */
export type SessionIdVia = 'cookie' | 'header' | null;

/**
 * The transport a handler asked for with `@SessionTransport()` (its own, else its controller's);
 * undefined lets the module's `transport` option decide. WebSocket messages default to `'both'`:
 * a handshake carries the browser's cookie, or a token a client put in `Authorization`.
 */
export function declaredTransportOf(reflector: Reflector, context: ExecutionContext): SessionTransportKind | undefined {
  const declared = reflector.getAllAndOverride<SessionTransportKind | undefined>(SESSION_TRANSPORT_KEY, [
    context.getHandler(),
    context.getClass(),
  ]);
  return declared ?? (context.getType() === 'ws' ? 'both' : undefined);
}

/**
 * Where the ID is read from. With `'both'`, an `Authorization: Bearer` header decides alone, valid
 * or not: the client chose it explicitly, while browsers attach cookies to any request, forged
 * ones included; and a bad token never falls back to a cookie that may name another session.
 */
export function readsIdFrom(transport: SessionTransportKind, hasBearer: boolean): 'cookie' | 'header' {
  return transport === 'header' || (transport === 'both' && hasBearer) ? 'header' : 'cookie';
}

/**
 * Whether a new or renewed ID goes back in the token header (never then a cookie). On a `'both'`
 * route, only to a request that came with a token: a browser's response must not hand its scripts
 * the ID that the `HttpOnly` cookie keeps from them.
 */
export function answersWithHeader(transport: SessionTransportKind, via: SessionIdVia): boolean {
  return transport === 'header' || via === 'header';
}
