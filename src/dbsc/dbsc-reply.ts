import { appendSetCookie, sendResponse, setResponseHeader } from '../http/platform/http-platform';

/** What a DBSC endpoint answers, whatever the platform. */
export interface DbscReply {
  status: number;
  headers: Record<string, string>;
  setCookie?: string;
  /** JSON body; none for an empty answer. */
  body?: unknown;
}

/** Sends `reply` on an Express response or a Fastify reply. */
export function sendDbscReply(response: unknown, reply: DbscReply): void {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...reply.headers };
  if (reply.body !== undefined) {
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  Object.entries(headers).forEach(([name, value]) => setResponseHeader(response, name, value));
  if (reply.setCookie !== undefined) {
    appendSetCookie(response, reply.setCookie);
  }
  sendResponse(response, reply.status, reply.body === undefined ? '' : JSON.stringify(reply.body));
}
