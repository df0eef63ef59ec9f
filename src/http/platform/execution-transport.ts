import { AsyncLocalStorage } from 'node:async_hooks';
import type { ExecutionContext } from '@nestjs/common';
import { handshakeRequest, type SocketIoHandshake } from '../../connections/handshake-request';
import type { SessionHttpRequest } from './http-platform';

/** The request behind an execution context and, where there is one to set cookies on, the response. */
export interface ExecutionTransport {
  request: SessionHttpRequest;
  response: unknown | null;
}

/**
 * What a GraphQL context holds: Apollo's `{ req }` (ApolloDriver's default context), `{ req, res }` or
 * `{ req, reply }` when the application's context function adds the response; Mercurius' `{ reply }`.
 */
interface GraphQlContext {
  req?: SessionHttpRequest & { res?: unknown };
  res?: unknown;
  request?: SessionHttpRequest;
  reply?: { request?: SessionHttpRequest };
}

/** A WebSocket client: socket.io keeps the handshake (and `auth.token`); other adapters may keep the upgrade request. */
interface WsClient {
  handshake?: SocketIoHandshake;
  request?: SessionHttpRequest;
}

/**
 * One request per WebSocket message, built from the handshake, so every message reads the session
 * anew (a session revoked meanwhile stops working on an open socket). Keyed by the message's
 * arguments array, which Nest hands to the message's guards and interceptors alike; weakly, so it
 * goes with the message.
 */
const messageRequests = new WeakMap<unknown[], SessionHttpRequest>();

/**
 * The message a handler is running for. Parameter decorators get a copy of the arguments array, so
 * `SessionInterceptor` runs the handler in this scope for `@Session()` to find the message's request
 * (Nest binds an interceptor's `next.handle()` to the async context it is called in).
 */
const messageScope = new AsyncLocalStorage<{ client: unknown; request: SessionHttpRequest }>();

/**
 * Finds the HTTP request (and response) behind HTTP routes, GraphQL resolvers served over HTTP,
 * and WebSocket messages (a per-message request made from the handshake, without a response:
 * gateways cannot set cookies). Null for other contexts (microservices). No GraphQL or WebSocket
 * package is needed.
 */
export function transportOf(context: ExecutionContext): ExecutionTransport | null {
  switch (context.getType<string>()) {
    case 'http': {
      const http = context.switchToHttp();
      return { request: http.getRequest<SessionHttpRequest>(), response: http.getResponse<unknown>() };
    }
    case 'graphql': {
      const graphQl = context.getArgByIndex<GraphQlContext | undefined>(2);
      const request = graphQl?.req ?? graphQl?.request ?? graphQl?.reply?.request;
      // Express links the response from the request (`req.res`), so Apollo's default `{ req }` suffices.
      const response = graphQl?.res ?? graphQl?.reply ?? graphQl?.req?.res ?? null;
      return request ? { request, response } : null;
    }
    case 'ws': {
      const request = messageRequest(context);
      return request ? { request, response: null } : null;
    }
    default:
      return null;
  }
}

/** The request whose session `@Session()` injects; for a WebSocket message, the one `SessionInterceptor` scoped. */
export function sessionRequestOf(context: ExecutionContext): SessionHttpRequest | null {
  if (context.getType() !== 'ws') {
    return transportOf(context)?.request ?? null;
  }
  const scope = messageScope.getStore();
  return scope && scope.client === context.switchToWs().getClient() ? scope.request : null;
}

/** Runs `handle` (a WebSocket message's `next.handle()`) where `@Session()` finds the message's request. */
export function inMessageScope<T>(context: ExecutionContext, request: SessionHttpRequest, handle: () => T): T {
  return messageScope.run({ client: context.switchToWs().getClient(), request }, handle);
}

function messageRequest(context: ExecutionContext): SessionHttpRequest | null {
  const args = context.getArgs();
  const known = messageRequests.get(args);
  if (known) {
    return known;
  }
  const client = context.switchToWs().getClient<WsClient>();
  // The peer of the connection, as for HTTP: the client address is worked out from it and the headers.
  const request = handshakeRequest(client.handshake, client.request);
  if (!request) {
    return null;
  }
  messageRequests.set(args, request);
  return request;
}
