/**
 * The only place that knows what Express and Fastify requests and responses look like.
 * Both expose `headers` and `socket` on the request; they differ in how a `Set-Cookie` header is
 * added and in how to tell that the response has gone out. No cookie plugin is needed on either.
 */

/** What the module reads from a request, on either platform. */
export interface SessionHttpRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The connection's peer; the client address is worked out from it (see `clientAddress`), never from `request.ip`. */
  socket?: { remoteAddress?: string };
}

/** The parts of an Express `Response` the module uses. */
interface ExpressLikeResponse {
  append(name: string, value: string): unknown;
  setHeader(name: string, value: string): unknown;
  headersSent: boolean;
  status(code: number): unknown;
  end(body?: string): unknown;
}

/** The parts of a Fastify `FastifyReply` the module uses. */
interface FastifyLikeReply {
  header(name: string, value: string | string[]): unknown;
  /** Fastify's own headers, or else those set on `raw` (by middleware). */
  getHeader(name: string): string | string[] | number | undefined;
  /** Removes the header from Fastify's own headers only, not from `raw`. */
  removeHeader(name: string): unknown;
  /** True once the reply was hijacked or the response ended. */
  sent: boolean;
  raw: { headersSent: boolean };
  code(status: number): unknown;
  send(body?: string): unknown;
}

function isExpressResponse(response: unknown): response is ExpressLikeResponse {
  return typeof (response as Partial<ExpressLikeResponse>).append === 'function';
}

function isFastifyReply(response: unknown): response is FastifyLikeReply {
  const reply = response as Partial<FastifyLikeReply>;
  return typeof reply.header === 'function' && typeof reply.getHeader === 'function' && typeof reply.raw === 'object';
}

/** The `Cookie` header, or undefined. */
export function getCookieHeader(request: SessionHttpRequest): string | undefined {
  const header = request.headers.cookie;
  return Array.isArray(header) ? header.join('; ') : header;
}

/** The `User-Agent` header, or null. */
export function getUserAgent(request: SessionHttpRequest): string | null {
  const header = request.headers['user-agent'];
  return (Array.isArray(header) ? header[0] : header) ?? null;
}

/** Whether the response headers are already on the wire (or no longer ours to write), so no cookie can be added. */
export function headersSent(response: unknown): boolean {
  if (isExpressResponse(response)) {
    return response.headersSent;
  }
  if (isFastifyReply(response)) {
    // A hijacked reply is written by the handler itself: Fastify would never send a header added to it.
    return response.sent || response.raw.headersSent;
  }
  return unsupported();
}

/** Sets a response header, replacing any earlier value of it. */
export function setResponseHeader(response: unknown, name: string, value: string): void {
  if (isExpressResponse(response)) {
    response.setHeader(name, value);
  } else if (isFastifyReply(response)) {
    response.header(name, value);
  } else {
    unsupported();
  }
}

/** Adds a `Set-Cookie` header, as a header line of its own, without dropping ones set by others. */
export function appendSetCookie(response: unknown, value: string): void {
  if (isExpressResponse(response)) {
    response.append('Set-Cookie', value);
  } else if (isFastifyReply(response)) {
    // Fastify writes its own headers over the ones middleware set on `reply.raw`, so a plain
    // `reply.header()` would drop their cookies. Carry every earlier cookie over into one list.
    const earlier = response.getHeader('set-cookie');
    const cookies = earlier === undefined ? [] : Array.isArray(earlier) ? earlier : [String(earlier)];
    response.removeHeader('set-cookie');
    response.header('set-cookie', [...cookies, value]);
  } else {
    unsupported();
  }
}

/** Ends the response with `status` and `body`, for the module's own routes (the DBSC endpoints). */
export function sendResponse(response: unknown, status: number, body: string): void {
  if (isExpressResponse(response)) {
    response.status(status);
    response.end(body);
  } else if (isFastifyReply(response)) {
    response.code(status);
    response.send(body);
  } else {
    unsupported();
  }
}

function unsupported(): never {
  throw new TypeError('nest-sessions: unsupported HTTP response object; use Express or Fastify');
}
