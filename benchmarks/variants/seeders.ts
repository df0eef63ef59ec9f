import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Store } from 'express-session';
import { SessionStore, type StoredSession } from 'nest-sessions';
import type { Pool } from 'pg';
import { BENCH_SECRET } from './bench-secret';
import { ONE_QUERY_COOKIE, ONE_QUERY_POOL, ONE_QUERY_TABLE } from './one-query';
import { PEER_STORE } from './peer-session.controller';

/**
 * Makes `count` more logged-in sessions in an app's store, copies of those the `templates` cookies
 * (logged in over HTTP) name, without HTTP: through the library's own store, so each is stored
 * exactly as a login stores it. Returns their cookies (`name=value`).
 */
export type Seeder = (app: INestApplication, templates: string[], count: number) => Promise<string[]>;

/** Store writes in flight at once while seeding. */
const CONCURRENCY = 64;
/** Rows per statement when seeding the yardstick. */
const BATCH = 5000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (text: string) => createHmac('sha256', BENCH_SECRET).update(text).digest();

function split(cookie: string): { name: string; value: string } {
  const at = cookie.indexOf('=');
  return { name: cookie.slice(0, at), value: decodeURIComponent(cookie.slice(at + 1)) };
}

/** Runs `make(i)` for every i below `count`, `CONCURRENCY` at a time. */
async function each(count: number, make: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      await make(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}

/** Fails the seeding when the library no longer signs as the bench does: its cookies would all be refused. */
function checkSigning(library: string, cookie: string, expected: string): void {
  if (split(cookie).value !== expected) {
    throw new Error(`${library} signs cookies differently from the bench's seeder (variants/seeders.ts): update it`);
  }
}

/**
 * This module: `SessionStore.create` with copies of the templates' stored sessions (a new ID and
 * handle each), and cookies as the module signs them: `id.HMAC-SHA256(secret, id)` in base64url,
 * the store keeping the ID's SHA-256 (checked against the first template).
 */
export const seedModuleSessions: Seeder = async (app, templates, count) => {
  const store = app.get<SessionStore>(SessionStore);
  const sign = (id: string) => `${id}.${hmac(id).toString('base64url')}`;
  const { name, value } = split(templates[0]);
  const templateId = value.split('.')[0];
  checkSigning('nest-sessions', templates[0], sign(templateId));
  const stored = await Promise.all(templates.map((cookie) => store.get(sha256(split(cookie).value.split('.')[0]))));
  const sessions = stored.filter((session): session is StoredSession => session !== null);
  if (sessions.length === 0) {
    throw new Error('the template sessions are not in the store');
  }
  const cookies = new Array<string>(count);
  await each(count, async (index) => {
    const template = sessions[index % sessions.length];
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: StoredSession = {
      ...template,
      handle: randomBytes(16).toString('base64url'),
      data: structuredClone(template.data),
      ...(template.version === undefined ? {} : { version: 0 }),
    };
    await store.create(sha256(id), session, { now });
    cookies[index] = `${name}=${sign(id)}`;
  });
  return cookies;
};

/**
 * express-session (either store): `store.set` with copies of the templates' sessions, and cookies
 * as express-session signs them (cookie-signature: `s:sid.` + HMAC-SHA256 in base64 without
 * padding, URL-encoded).
 */
export const seedPeerSessions: Seeder = async (app, templates, count) => {
  const store = app.get<Store>(PEER_STORE);
  const sign = (sid: string) => `s:${sid}.${hmac(sid).toString('base64').replace(/=+$/, '')}`;
  const { name, value } = split(templates[0]);
  const templateSid = value.slice(2, value.lastIndexOf('.'));
  checkSigning('express-session', templates[0], sign(templateSid));
  const template = await new Promise<object>((resolve, reject) =>
    store.get(templateSid, (error, session) =>
      error || !session ? reject(error ?? new Error('the template session is not in the store')) : resolve(session),
    ),
  );
  const cookies = new Array<string>(count);
  await each(count, async (index) => {
    const sid = randomBytes(24).toString('base64url');
    const session = structuredClone(template) as Parameters<Store['set']>[1];
    await new Promise<void>((resolve, reject) =>
      store.set(sid, session, (error) => (error ? reject(error) : resolve())),
    );
    cookies[index] = `${name}=${encodeURIComponent(sign(sid))}`;
  });
  return cookies;
};

/** The yardstick: rows copied from the first template's, in batches; its cookie is the unsigned ID. */
export const seedOneQuerySessions: Seeder = async (app, templates, count) => {
  const pool = app.get<Pool>(ONE_QUERY_POOL);
  const templateHash = sha256(split(templates[0]).value);
  const ids = Array.from({ length: count }, () => randomBytes(32).toString('base64url'));
  for (let from = 0; from < count; from += BATCH) {
    const batch = ids.slice(from, from + BATCH);
    await pool.query(
      `INSERT INTO ${ONE_QUERY_TABLE} (id_hash, data, expires_at)
       SELECT hash, template.data, template.expires_at
       FROM (SELECT data, expires_at FROM ${ONE_QUERY_TABLE} WHERE id_hash = $1) AS template,
            unnest($2::text[]) AS hash`,
      [templateHash, batch.map(sha256)],
    );
  }
  return ids.map((id) => `${ONE_QUERY_COOKIE}=${id}`);
};
