/**
 * The only place that knows what Express and Fastify requests and responses look like.
 * Both expose `headers` and `ip` on the request; they differ in how a header is appended.
 */

/** What the module reads from a request, on either platform. */
export interface SessionHttpRequest {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
}

interface ExpressLikeResponse {
  append(name: string, value: string): unknown;
  headersSent?: boolean;
}

interface FastifyLikeReply {
  header(name: string, value: string): unknown;
  sent?: boolean;
  raw?: { headersSent?: boolean };
}

/** The `Cookie` header, or undefined. */
export function getCookieHeader(request: SessionHttpRequest): string | undefined {
  const header = request.headers.cookie;
  return Array.isArray(header) ? header.join('; ') : header;
}

/** The client address as the platform reports it (Express honours its own `trust proxy` setting). */
export function getClientIp(request: SessionHttpRequest): string | null {
  return request.ip ?? request.socket?.remoteAddress ?? null;
}

export function getUserAgent(request: SessionHttpRequest): string | null {
  const header = request.headers['user-agent'];
  return (Array.isArray(header) ? header[0] : header) ?? null;
}

/** Whether the response headers are already on the wire, so no cookie can be added. */
export function headersSent(response: unknown): boolean {
  const reply = response as ExpressLikeResponse & FastifyLikeReply;
  return Boolean(reply.headersSent ?? reply.raw?.headersSent ?? reply.sent);
}

/** Adds a `Set-Cookie` header without dropping ones set by others. */
export function appendSetCookie(response: unknown, value: string): void {
  const reply = response as Partial<ExpressLikeResponse & FastifyLikeReply>;
  if (typeof reply.append === 'function') {
    reply.append('Set-Cookie', value);
  } else if (typeof reply.header === 'function') {
    // Fastify collects repeated set-cookie headers into an array.
    reply.header('set-cookie', value);
  } else {
    throw new TypeError('nest-sessions: unsupported HTTP response object; use Express or Fastify');
  }
}
