/** How many logins run at once while seeding. */
const SEED_CONCURRENCY = 16;

/** The `name=value` part of a response's session cookie, or null when it set none. */
export function sessionCookieOf(response: Response): string | null {
  const header = response.headers.getSetCookie()[0];
  return header === undefined ? null : header.split(';', 1)[0];
}

/** Logs in over HTTP as `user`; the session cookie to send back, or null. */
export async function login(baseUrl: string, user: string): Promise<string | null> {
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) {
    throw new Error(`POST ${baseUrl}/login answered ${response.status}`);
  }
  return sessionCookieOf(response);
}

/**
 * Logs in `count` distinct users and returns their cookies: the pool the read and write loads
 * rotate over. An app without sessions sets no cookie; it gets placeholders of the same shape,
 * so every variant receives the same requests.
 */
export async function seedSessions(baseUrl: string, count: number): Promise<string[]> {
  const cookies: string[] = new Array<string>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      cookies[index] = (await login(baseUrl, `user-${index}`)) ?? `sid=placeholder-${index}`;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, worker));
  return cookies;
}
