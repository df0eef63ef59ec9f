import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import { Redis } from 'ioredis';
import type { StoredSession } from 'nest-sessions';
import { RedisSessionStore } from 'nest-sessions/redis';
import { createClient } from 'redis';
import { stopAllChildren } from './processes';
import { RESULTS_DIR } from './report';
import { startThrowawayRedis } from './throwaway-redis';

/**
 * `npm --prefix benchmarks run redis-memory`: what a session costs in Redis memory. Fills a
 * redis-server of its own (own port and temporary directory, no persistence) with N sessions
 * through the real stores, in parallel batches, and divides the growth of `used_memory` by N.
 * One layout at a time, the server flushed in between.
 */
const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '2000' },
    /** Redis's `hash-max-listpack-value` (default 64): longer values turn a hash from a listpack into a hash table. */
    'listpack-value': { type: 'string' },
    /** Only this module's layouts. */
    'module-only': { type: 'boolean', default: false },
  },
});
const SESSIONS = Number(values.sessions);
const BATCH = Number(values.batch);
const DAY_MS = 86_400_000;
const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** About 200 bytes of JSON: a small cart, a counter, a locale, a CSRF token, the last page seen. */
function dataOf(i: number): Record<string, unknown> {
  return {
    cart: [
      { sku: `SKU-${i % 1000}-BLU-M`, qty: 2, price: 1999 },
      { sku: `SKU-${(i * 7) % 1000}-BLK-L`, qty: 1, price: 4599 },
    ],
    counter: i % 50,
    locale: 'en-GB',
    csrf: randomBytes(24).toString('base64url'),
    lastPage: `/products/${i % 5000}`,
  };
}

/** A session as the module stores it at a login (or, without `userId`, for an anonymous visitor with data). */
function storedSession(i: number, loggedIn: boolean, now: number): StoredSession {
  return {
    handle: randomBytes(16).toString('base64url'),
    tenant: '',
    userId: loggedIn ? `user-${i}` : null,
    data: dataOf(i),
    createdAt: now,
    lastActiveAt: now,
    idIssuedAt: now,
    expiresAt: now + DAY_MS,
    absoluteExpiresAt: now + 7 * DAY_MS,
    lifetime: null,
    ip: `203.0.${(i >> 8) % 256}.${i % 256}`,
    userAgent: USER_AGENT,
  };
}

interface Layout {
  name: string;
  /** Each kind of key it writes, and a SCAN pattern that finds one. */
  kinds: Array<[string, string]>;
  /** Writes session `i`. */
  write: (i: number) => Promise<unknown>;
  close: () => Promise<void>;
}

function moduleLayout(url: string, loggedIn: boolean): Layout {
  const store = new RedisSessionStore({ url });
  return {
    name: `nest-sessions, ${loggedIn ? 'logged in' : 'anonymous'}`,
    kinds: [
      ['session hash', 'sess:{*'],
      ['ID pointer', 'sess:id:*'],
      ...(loggedIn ? [['user index', 'sess:user:*'] as [string, string]] : []),
    ],
    write: (i) => {
      const now = Date.now();
      const idHash = createHash('sha256').update(randomBytes(32)).digest('hex');
      return store.create(idHash, storedSession(i, loggedIn, now), { now, maxBytes: 65_536 });
    },
    close: () => store.close(),
  };
}

/** connect-redis's layout: one JSON string per session (`sess:<sid>`), the cookie included, as express-session hands it over. */
async function connectRedisLayout(url: string): Promise<Layout> {
  const client = createClient({ url });
  await client.connect();
  const store = new RedisStore({ client });
  return {
    name: 'connect-redis (express-session)',
    kinds: [['session JSON', 'sess:*']],
    write: (i) => {
      const cookie = new session.Cookie(); // httpOnly, path '/'
      cookie.maxAge = DAY_MS;
      cookie.originalMaxAge = DAY_MS;
      const data = { cookie, user: { id: `user-${i}`, roles: [] }, ...dataOf(i) };
      return store.set(randomBytes(24).toString('base64url'), data as unknown as session.SessionData);
    },
    close: () => client.close(),
  };
}

async function fill(admin: Redis, layout: Layout): Promise<Record<string, number | string>> {
  await admin.flushall();
  const before = await usedMemory(admin);
  const started = performance.now();
  for (let from = 0; from < SESSIONS; from += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, SESSIONS - from) }, (_, k) => layout.write(from + k));
    await Promise.all(batch);
  }
  const seconds = (performance.now() - started) / 1000;
  const after = await usedMemory(admin);
  const keys = await admin.dbsize();
  const samples: string[] = [];
  for (const [kind, pattern] of layout.kinds) {
    const [, [key]] = await admin.scan('0', 'MATCH', pattern, 'COUNT', 10_000);
    if (key) {
      const encoding = (await admin.object('ENCODING', key)) as string;
      samples.push(`${kind}: ${encoding}, ${await admin.memory('USAGE', key, 'SAMPLES', 0)} B`);
    }
  }
  const grown = after - before;
  return {
    layout: layout.name,
    sessions: SESSIONS,
    keys,
    bytesPerSession: Math.round(grown / SESSIONS),
    totalMiB: Math.round(grown / 2 ** 20),
    seconds: Math.round(seconds),
    samples: samples.join('; '),
  };
}

async function usedMemory(admin: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1]);
}

async function main(): Promise<void> {
  const listpackValue = values['listpack-value'];
  const redis = await startThrowawayRedis(listpackValue ? ['--hash-max-listpack-value', listpackValue] : []);
  const { host, port } = redis.nodes[0];
  const url = `redis://${host}:${port}`;
  const admin = new Redis(port, host);
  try {
    const version = /^redis_version:(.*)$/m.exec(await admin.info('server'))?.[1].trim();
    const setting = async (name: string) => ((await admin.config('GET', name)) as string[])[1];
    const settings = `hash-max-listpack-entries ${await setting('hash-max-listpack-entries')}, hash-max-listpack-value ${await setting('hash-max-listpack-value')}`;
    console.log(`Redis ${version} on port ${port}; ${settings}`);
    const rows: Array<Record<string, number | string>> = [];
    const layouts = [() => moduleLayout(url, true), () => moduleLayout(url, false), () => connectRedisLayout(url)];
    for (const open of values['module-only'] ? layouts.slice(0, 2) : layouts) {
      const layout = await open();
      try {
        rows.push(await fill(admin, layout));
        console.log(rows[rows.length - 1]);
      } finally {
        await layout.close();
      }
    }
    const markdown = [
      `Redis ${version}, ${listpackValue ? 'defaults but' : 'defaults'} (${settings}); ` +
        `${SESSIONS.toLocaleString('en')} sessions per layout, \`used_memory\` growth divided by the sessions.`,
      '',
      '| layout | keys | bytes per session | total | fill time | a key of each kind: encoding, MEMORY USAGE |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...rows.map(
        (r) =>
          `| ${r.layout} | ${r.keys.toLocaleString('en')} | ${r.bytesPerSession} | ${r.totalMiB} MiB | ${r.seconds} s | ${r.samples} |`,
      ),
      '',
    ].join('\n');
    console.log(`\n${markdown}`);
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(join(RESULTS_DIR, `redis-memory${listpackValue ? `-listpack-${listpackValue}` : ''}.md`), markdown);
  } finally {
    admin.disconnect();
    await redis.stop();
  }
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAllChildren();
  process.exit(1);
});
