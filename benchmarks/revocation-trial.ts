import { setTimeout as sleep } from 'node:timers/promises';
import type { AppHost } from './app-host';
import { CACHE_TTL_MS } from './protocol';
import { login } from './seed';

/** The bound: a revocation is in force on every instance within this many milliseconds. */
export const IN_FORCE_WITHIN_MS = 100;
/** After the first 401, the other instance is polled every few milliseconds until this long after the revocation. */
export const WATCH_MS = IN_FORCE_WITHIN_MS + 30;
export const WATCH_INTERVAL_MS = 10;
/** A trial gives up here: even with its announcement lost, the cache's ttl bounds how late a revocation arrives. */
export const GIVE_UP_MS = CACHE_TTL_MS + 2000;
const REQUEST_TIMEOUT_MS = 10_000;

/** How a trial revokes: the user logs out, or revokes the session from another of their sessions (`SessionService.revoke`). */
export type RevocationMethod = 'logout' | 'revoke';

/** What one revocation trial saw. */
export interface Trial {
  method: RevocationMethod;
  /** null: failed setup; else latency (null if never revoked) and stale reads after. */
  outcome: { latency: number | null; staleAfter: number; roundTrips: number[] } | null;
}

async function status(url: string, cookie: string, method: 'GET' | 'POST' = 'GET'): Promise<number> {
  const response = await fetch(url, { method, headers: { cookie }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  await response.arrayBuffer();
  return response.status;
}

/** The handle of the session `cookie` names, or null if the app did not answer it. */
async function handleOf(baseUrl: string, cookie: string): Promise<string | null> {
  const response = await fetch(`${baseUrl}/handle`, {
    headers: { cookie },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = (await response.json().catch(() => null)) as { handle?: unknown } | null;
  return response.status === 200 && typeof body?.handle === 'string' ? body.handle : null;
}

/**
 * One revocation: a session logged in on `a` and read three times on `b` (the cache keeps a
 * session the second time it is read; the third is answered from it), revoked on `a`, then `b`
 * polled with it until it answers 401, and on for `WATCH_MS` to catch any 200 after.
 */
export async function runTrial(a: AppHost, b: AppHost, user: string, method: RevocationMethod): Promise<Trial> {
  const victim = await login(a.baseUrl, user);
  const other = method === 'revoke' ? await login(a.baseUrl, user) : null;
  if (victim === null || (method === 'revoke' && other === null)) {
    return { method, outcome: null };
  }
  const handle = method === 'revoke' ? await handleOf(a.baseUrl, victim) : '';
  if (handle === null) {
    return { method, outcome: null };
  }
  for (let read = 0; read < 3; read++) {
    if ((await status(`${b.baseUrl}/read`, victim)) !== 200) {
      return { method, outcome: null };
    }
  }
  const revoked =
    method === 'logout'
      ? await status(`${a.baseUrl}/logout`, victim, 'POST')
      : await status(`${a.baseUrl}/revoke/${handle}`, other!, 'POST');
  const revokedAt = performance.now();
  if (revoked !== 200) {
    return { method, outcome: null };
  }
  let first401: number | null = null;
  let staleAfter = 0;
  const roundTrips: number[] = [];
  for (;;) {
    const sentAt = performance.now() - revokedAt;
    if (sentAt > GIVE_UP_MS || (first401 !== null && sentAt > WATCH_MS)) {
      break;
    }
    const answer = await status(`${b.baseUrl}/read`, victim);
    roundTrips.push(performance.now() - revokedAt - sentAt);
    if (answer === 401) {
      first401 ??= performance.now() - revokedAt;
    } else if (answer === 200 && sentAt > IN_FORCE_WITHIN_MS) {
      staleAfter++;
    }
    if (first401 !== null) {
      await sleep(WATCH_INTERVAL_MS);
    }
  }
  return { method, outcome: { latency: first401, staleAfter, roundTrips } };
}
