import type { AppHost } from './app-host';
import { login } from './seed';

/** Concurrent requests per attempt, each setting a different key of the same session. */
const CONCURRENT_KEYS = 32;
const ATTEMPTS = 3;

/** The correctness guard: do concurrent changes to different keys of one session all survive? */
export interface LostUpdateCheck {
  variant: string;
  attempts: number;
  keysWritten: number;
  keysFound: number;
  /** Keys whose write answered 2xx but which are missing afterwards. */
  lost: number;
  failedRequests: number;
}

async function post(url: string, cookie: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { cookie } });
  await response.arrayBuffer();
  return response.status;
}

async function storedKeys(baseUrl: string, cookie: string): Promise<string[]> {
  const response = await fetch(`${baseUrl}/keys`, { headers: { cookie } });
  if (response.status !== 200) {
    throw new Error(`GET ${baseUrl}/keys answered ${response.status}`);
  }
  return ((await response.json()) as { keys: string[] }).keys;
}

/** Per attempt: a new session, `CONCURRENT_KEYS` concurrent `POST /mark/:key`, then `GET /keys`. */
export async function checkLostUpdates(app: AppHost): Promise<LostUpdateCheck> {
  const check: LostUpdateCheck = {
    variant: app.variant,
    attempts: ATTEMPTS,
    keysWritten: 0,
    keysFound: 0,
    lost: 0,
    failedRequests: 0,
  };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const cookie = await login(app.baseUrl, `guard-user-${attempt}`);
    if (cookie === null) {
      throw new Error(`${app.variant}: login set no cookie`);
    }
    const keys = Array.from({ length: CONCURRENT_KEYS }, (_, index) => `k${attempt}_${index}`);
    const statuses = await Promise.all(keys.map((key) => post(`${app.baseUrl}/mark/${key}`, cookie)));
    const written = keys.filter((_, index) => statuses[index] >= 200 && statuses[index] < 300);
    const found = new Set(await storedKeys(app.baseUrl, cookie));
    check.keysWritten += written.length;
    check.keysFound += written.filter((key) => found.has(key)).length;
    check.failedRequests += keys.length - written.length;
  }
  check.lost = check.keysWritten - check.keysFound;
  return check;
}
