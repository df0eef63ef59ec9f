import { accessSync, constants } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** The Debian build `.ci/dbsc-chromium.sh` unpacks by default: the last one seen registering DBSC sessions. */
const DBSC_CHROMIUM_VERSION = '150.0.7871.100-1~deb12u1';

/**
 * DBSC with software keys (no TPM here), the refresh quota (two refreshes per five minutes) off so a
 * five-second cookie can be refreshed again and again. One `--enable-features` switch: Chromium keeps
 * only the last, so this one replaces Playwright's (which only holds screenshot and sign-in tweaks).
 */
export const DBSC_FEATURES =
  '--enable-features=DeviceBoundSessions:RefreshQuota/false,EnableBoundSessionCredentialsSoftwareKeysForManualTesting';

/** Where `.ci/dbsc-chromium.sh` puts the binary when neither it nor the caller says otherwise. */
function cachedBinary(env: NodeJS.ProcessEnv): string {
  const cache = env.NEST_SESSIONS_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nest-sessions');
  const version = (env.DBSC_CHROMIUM_VERSION || DBSC_CHROMIUM_VERSION).split('-')[0];
  return join(cache, `chromium-${version}`, 'root/usr/lib/chromium/chromium');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The DBSC-capable Chromium: `DBSC_CHROMIUM` (which CI sets; a path that is not there is an error,
 * never a skip), else the one `.ci/dbsc-chromium.sh` cached, else undefined.
 */
export function dbscChromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.DBSC_CHROMIUM;
  if (configured) {
    if (!isExecutable(configured)) {
      throw new Error(
        `DBSC_CHROMIUM=${configured} is not an executable: run .ci/dbsc-chromium.sh, which prints the path.`,
      );
    }
    return configured;
  }
  const cached = cachedBinary(env);
  return isExecutable(cached) ? cached : undefined;
}

/** Why the DBSC browser test is skipped, and how to run it. */
export const DBSC_CHROMIUM_MISSING =
  "Skipping the real-Chromium DBSC test: no DBSC-capable Chromium. Debian's current Chromium ignores DBSC; " +
  '`bash .ci/dbsc-chromium.sh` unpacks Chromium 150 into ~/.cache/nest-sessions (or set DBSC_CHROMIUM to a binary).';

/** Headless Chromium at `executablePath` with DBSC turned on; close it in an `afterEach`/`afterAll`. */
export function launchDbscChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    // As test/utils/chromium.ts: no outside network here; Playwright adds --no-sandbox and the rest.
    args: ['--disable-gpu', '--disable-quic', '--disable-sync', DBSC_FEATURES],
  });
}

/** One request through {@link startRecordingProxy}, with the answer it got. */
export interface Exchange {
  method: string;
  path: string;
  request: IncomingHttpHeaders;
  status: number;
  response: IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP proxy in front of the app: what the browser sent and what it got back, on either platform. */
export interface RecordingProxy {
  /** `http://localhost:<port>`: a secure context for Chromium, as HTTPS would be. */
  origin: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/** Hop-by-hop headers: each side of the proxy has its own connection. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** Forwards every request to `target` (`http://127.0.0.1:<port>`) unchanged and records it once answered. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const exchanges: Exchange[] = [];
  const proxy = createServer((req, res) => {
    const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers, agent: false });
    upstream.on('response', (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name));
        res.writeHead(answer.statusCode ?? 502, Object.fromEntries(headers) as OutgoingHttpHeaders);
        res.end(body);
        exchanges.push({
          method: req.method ?? '',
          path: req.url ?? '',
          request: req.headers,
          status: answer.statusCode ?? 0,
          response: answer.headers,
          body: body.toString(),
        });
      });
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      }),
  };
}
