import type { Workload } from './options';
import type { LoadSpec } from './protocol';

/** A variant's logged-in sessions, as cookies: the few the hot loads rotate over, and the large pool of `rare`. */
export interface CookiePool {
  hot: string[];
  /** Empty unless the run measures `rare`. */
  rare: string[];
}

/** The load of `workload` on the app at `baseUrl`, with its sessions from `pool`. */
export function loadSpecOf(
  workload: Workload,
  baseUrl: string,
  pool: CookiePool,
  connections: number,
  duration: number,
): LoadSpec {
  switch (workload) {
    case 'read':
      // Authenticated GET: reads the user and one key, changes nothing.
      return { url: `${baseUrl}/read`, method: 'GET', cookies: pool.hot, connections, duration };
    case 'rare':
      // The same read, each request from a session drawn at random from a pool larger than the
      // cache holds: most sessions are not seen again within the cache's ttl, as in real traffic.
      return { url: `${baseUrl}/read`, method: 'GET', cookies: pool.rare, randomCookies: true, connections, duration };
    case 'write':
      // Changes one key (`counter`) of a logged-in session.
      return { url: `${baseUrl}/write`, method: 'POST', cookies: pool.hot, counterBody: true, connections, duration };
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
