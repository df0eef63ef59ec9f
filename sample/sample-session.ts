/** What the sample keeps in a session. `PUT /kv/:key` stores top-level keys named `kv:<key>`. */
export interface SampleSessionData {
  visits: number;
  cart: string[];
  [kvKey: `kv:${string}`]: unknown;
}

export const KV_PREFIX = 'kv:';

/** How long `remember: true` keeps a session: 30 days. */
export const REMEMBER_ME_MS = 30 * 24 * 60 * 60 * 1000;
