import { Logger } from '@nestjs/common';
import { serialize } from 'cookie';
import * as fc from 'fast-check';
import { buildLifecycle } from './lifecycle.fixture';
import { SessionSigner } from '../core/session-signer';
import { cookieValuesOf } from '../http/platform/cookie-values';
import type { SessionHttpRequest } from '../http/platform/http-platform';
import { MemorySessionStore } from '../store/memory-session.store';

/**
 * Fuzzing of the Cookie header as the session manager reads it: whatever the header, loading never
 * fails, a header without a value that verifies costs no store read and gives a new session, and one
 * with such values loads the session of the first of them. fast-check prints the seed of a failure.
 */
/**
 * How many cases a property tries. The time limit is only a safety valve for a starved machine:
 * past it fast-check stops and passes with the cases run so far (it fails if none could run).
 */
const runs = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: 10_000 });

const CURRENT = 'current-secret-0123456789-abcdefghijkl';
const OLD = 'old-secret-0123456789-abcdefghijklmnopqr';
const FOREIGN = 'foreign-secret-0123456789-abcdefghijklm';

/** Any UTF-16 code unit: NUL, controls, lone surrogates, everything. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
/** Any Unicode code point, astral ones included (fast-check's own 'binary' unit is far slower). */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code));
/** Visible ASCII but `;`: what an edit of a cookie value may put in without ending it or being trimmed off. */
const visibleUnit = fc
  .integer({ min: 0x21, max: 0x7e })
  .map((code) => String.fromCharCode(code))
  .filter((c) => c !== ';');
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** A session ID's shape: 43 base64url characters. */
const sessionId = fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 43, maxLength: 43 });

/** A value that verifies under no secret of the manager: garbage, forgeries, edits of real values. */
function unverifiable(real: readonly string[]): fc.Arbitrary<string> {
  const edited = fc.tuple(fc.constantFrom(...real), fc.nat(), visibleUnit, fc.constantFrom('replace', 'insert', 'cut'));
  return fc.oneof(
    fc.string({ unit: anyCodeUnit, maxLength: 60 }).filter((value) => !value.includes(';')),
    sessionId.map((id) => new SessionSigner([FOREIGN]).sign(id)),
    sessionId.map((id) => `${id}.${id}`),
    edited
      .map(([value, at, unit, kind]) => {
        const index = at % value.length;
        const tail = value.slice(kind === 'insert' ? index : index + 1);
        return value.slice(0, index) + (kind === 'cut' ? '' : unit) + tail;
      })
      .filter((value) => !real.includes(value)),
    fc.constantFrom(...real).map((value) => value.slice(0, -1)),
    fc.constant(''),
  );
}

/** A fake Express response that keeps the Set-Cookie headers. */
function fakeResponse(): { headersSent: boolean; cookies: string[]; append(n: string, v: string): void } {
  const response = {
    headersSent: false,
    cookies: [] as string[],
    append: (_name: string, value: string) => response.cookies.push(value),
    setHeader: () => undefined,
  };
  return response;
}

function fakeRequest(cookie: string | string[] | undefined): SessionHttpRequest {
  return { headers: { cookie, 'user-agent': 'fuzz' }, socket: { remoteAddress: '203.0.113.7' } };
}

describe('Cookie header handling under fuzzing', () => {
  const store = new MemorySessionStore();
  const manager = buildLifecycle({ secret: [CURRENT, OLD] }, store);
  const name = manager.options.cookie.name;
  /** Two live sessions: one signed with the current secret, one with the old one. */
  const live: Array<{ id: string; value: string }> = [];
  let reads: jest.SpyInstance;

  /** A stored session, created as a request would create it; `secret` re-signs its ID. */
  async function liveSession(secret: string): Promise<{ id: string; value: string }> {
    const request = fakeRequest(undefined);
    const session = await manager.load(request);
    session.set('fuzz', true);
    await manager.commit(request, fakeResponse());
    return { id: session.id, value: new SessionSigner([secret]).sign(session.id) };
  }

  beforeAll(async () => {
    Logger.overrideLogger(false);
    live.push(await liveSession(CURRENT), await liveSession(OLD));
    reads = jest.spyOn(store, 'get');
  });

  afterAll(() => jest.restoreAllMocks());

  /** Loads with this header; returns the session and how many store reads it cost. */
  async function load(cookie: string | string[] | undefined): Promise<{ id: string; isNew: boolean; reads: number }> {
    reads.mockClear();
    const session = await manager.load(fakeRequest(cookie));
    return { id: session.id, isNew: session.isNew, reads: reads.mock.calls.length };
  }

  const separator = fc.constantFrom('; ', ';', ' ; ', ';;', '; ; ');
  /** A cookie name that is not the session's, even once trimmed. */
  const otherName = fc
    .oneof(fc.constantFrom(`${name}x`, `x${name}`, name.toUpperCase(), 'other', ''), fc.string({ maxLength: 8 }))
    .filter((candidate) => candidate.trim() !== name && !/[;=]/.test(candidate));
  /** `name=value` pairs of other cookies, holding anything, real session values included. */
  function otherPair(realValues: readonly string[]): fc.Arbitrary<string> {
    return fc
      .tuple(otherName, fc.oneof(unverifiable(realValues), fc.constantFrom(...realValues)))
      .map(([other, value]) => `${other}=${value}`);
  }

  function header(pairs: fc.Arbitrary<string[]>): fc.Arbitrary<string | string[]> {
    return fc.oneof(
      fc.tuple(pairs, separator).map(([list, joint]) => list.join(joint)),
      // Several Cookie header lines, as HTTP/2 sends them.
      pairs,
    );
  }

  it('never fails to load, and without a value that verifies reads nothing and starts a new session', async () => {
    const realValues = live.map((s) => s.value);
    const forgedPair = unverifiable(realValues).map((value) => `${name}=${value}`);
    const pairs = fc.array(fc.oneof(otherPair(realValues), forgedPair), { maxLength: 8 });
    const garbage = fc.oneof(
      fc.constant(undefined),
      fc.string({ unit: anyCodeUnit, maxLength: 200 }),
      fc.string({ unit: anyCodePoint, maxLength: 200 }),
      header(pairs),
    );
    await fc.assert(
      fc.asyncProperty(garbage, async (cookie) => {
        const loaded = await load(cookie);
        expect(loaded).toMatchObject({ isNew: true, reads: 0 });
        expect(live.map((s) => s.id)).not.toContain(loaded.id);
      }),
      runs(300),
    );
  });

  it('loads the session of the first value that verifies, wherever it stands among other cookies', async () => {
    const realValues = live.map((s) => s.value);
    const forgedPair = unverifiable(realValues).map((value) => `${name}=${value}`);
    const realPair = fc.constantFrom(...live).map((session) => ({ session, pair: `${name}=${session.value}` }));
    const pairs = fc.tuple(
      fc.array(fc.oneof(otherPair(realValues), forgedPair), { maxLength: 6 }),
      realPair,
      fc.array(
        fc.oneof(
          otherPair(realValues),
          forgedPair,
          realPair.map((real) => real.pair),
        ),
        { maxLength: 6 },
      ),
    );
    await fc.assert(
      fc.asyncProperty(pairs, separator, async ([before, first, after], joint) => {
        const loaded = await load([...before, first.pair, ...after].join(joint));
        expect(loaded).toEqual({ id: first.session.id, isNew: false, reads: 1 });
      }),
      runs(300),
    );
  });

  describe('cookieValuesOf', () => {
    const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);

    it('never throws on any header', () => {
      fc.assert(
        fc.property(fc.string({ unit: anyCodeUnit, maxLength: 300 }), token, (cookie, cookieName) => {
          expect(Array.isArray(cookieValuesOf(cookie, cookieName))).toBe(true);
        }),
        runs(500),
      );
    });

    it('gives back, in order, every value the `cookie` package serialized under the name', () => {
      const value = fc.string({ unit: 'grapheme', maxLength: 20 });
      const pairs = fc.array(fc.tuple(fc.oneof(token, fc.constant('target')), value), { maxLength: 10 });
      fc.assert(
        fc.property(pairs, separator, (list, joint) => {
          const cookie = list.map(([pairName, pairValue]) => serialize(pairName, pairValue)).join(joint);
          const expected = list.filter(([pairName]) => pairName === 'target').map(([, pairValue]) => pairValue);
          expect(cookieValuesOf(cookie, 'target')).toEqual(expected);
        }),
        runs(500),
      );
    });
  });
});
