import type { AppHost } from './app-host';
import type { VariantName } from './protocol';
import type { CookiePool } from './workloads';

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

/** What seeding one variant's rare sessions cost. */
export interface SeedCost {
  variant: VariantName;
  sessions: number;
  seconds: number;
}

/**
 * A variant's sessions: `hot` logged in over HTTP for the read and write loads, then `rare` more
 * for the rare workload (none when it does not run), made inside the app through its own store as
 * copies of the hot ones (see `variants/seeders.ts`): as stored as a login stores them, at a
 * fraction of the cost of as many logins. The first few are read back over HTTP to prove them.
 */
export async function seedPool(app: AppHost, hot: number, rare: number): Promise<{ pool: CookiePool; cost: SeedCost }> {
  const cookies = await seedSessions(app.baseUrl, hot);
  const started = performance.now();
  const rareCookies = rare > 0 ? await app.seed(cookies, rare) : [];
  const seconds = (performance.now() - started) / 1000;
  if (rare > 0 && !cookies[0].startsWith('sid=placeholder')) {
    await checkSeeded(app, rareCookies.slice(0, CHECKED_SEEDS));
  }
  return { pool: { hot: cookies, rare: rareCookies }, cost: { variant: app.variant, sessions: rare, seconds } };
}

/** Seeded sessions read back before the loads: a seeder that no longer stores them as the library does fails here. */
const CHECKED_SEEDS = 5;

async function checkSeeded(app: AppHost, cookies: string[]): Promise<void> {
  for (const cookie of cookies) {
    const response = await fetch(`${app.baseUrl}/read`, { headers: { cookie } });
    await response.arrayBuffer();
    if (response.status !== 200) {
      throw new Error(`${app.variant}: a seeded session answered ${response.status} on GET /read`);
    }
  }
}
