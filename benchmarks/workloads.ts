import type { Workload } from './options';
import type { LoadSpec } from './protocol';

/** The load of `workload` on the app at `baseUrl`; `cookies` is its pool of logged-in sessions. */
export function loadSpecOf(
  workload: Workload,
  baseUrl: string,
  cookies: string[],
  connections: number,
  duration: number,
): LoadSpec {
  switch (workload) {
    case 'read':
      // Authenticated GET: reads the user and one key, changes nothing.
      return { url: `${baseUrl}/read`, method: 'GET', cookies, connections, duration };
    case 'write':
      // Changes one key (`counter`) of a logged-in session.
      return { url: `${baseUrl}/write`, method: 'POST', cookies, counterBody: true, connections, duration };
    case 'login':
      // No cookie: a new session per request, and a Set-Cookie.
      return {
        url: `${baseUrl}/login`,
        method: 'POST',
        cookies: [],
        body: '{"user":"load-user"}',
        connections,
        duration,
      };
    case 'plain':
      // No cookie, a route that uses no session: what the module costs where it is not used.
      return { url: `${baseUrl}/plain`, method: 'GET', cookies: [], connections, duration };
  }
}
