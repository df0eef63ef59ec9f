/** What a DBSC endpoint answers, whatever the platform. */
export interface DbscReply {
  status: number;
  headers: Record<string, string>;
  setCookie?: string;
  /** JSON body; none for an empty answer. */
  body?: unknown;
}

interface ExpressLikeResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
  append(name: string, value: string): unknown;
  end(body?: string): unknown;
}

interface FastifyLikeReply {
  code(status: number): unknown;
  header(name: string, value: string): unknown;
  send(body?: string): unknown;
}

/** Sends `reply` on an Express response or a Fastify reply. */
export function sendDbscReply(response: unknown, reply: DbscReply): void {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...reply.headers };
  const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
  if (reply.body !== undefined) {
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  if (typeof (response as Partial<ExpressLikeResponse>).append === 'function') {
    const res = response as ExpressLikeResponse;
    res.status(reply.status);
    Object.entries(headers).forEach(([name, value]) => res.setHeader(name, value));
    if (reply.setCookie !== undefined) {
      res.append('Set-Cookie', reply.setCookie);
    }
    res.end(body);
    return;
  }
  const fastify = response as FastifyLikeReply;
  fastify.code(reply.status);
  Object.entries(headers).forEach(([name, value]) => fastify.header(name, value));
  if (reply.setCookie !== undefined) {
    fastify.header('Set-Cookie', reply.setCookie);
  }
  fastify.send(body);
}
