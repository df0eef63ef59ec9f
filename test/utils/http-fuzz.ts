import { createHmac } from 'node:crypto';
import * as fc from 'fast-check';
import type { Response } from 'supertest';

/**
 * fast-check arbitraries for what a client can put in HTTP headers and JSON bodies, and the checks
 * the fuzzing e2e tests share. Headers hold only what Node's HTTP client sends: tab, visible ASCII
 * and space, and Latin-1 bytes (anything else it refuses to put on the wire).
 */

/**
 * How many cases an e2e property tries. The time limit is only a safety valve for a starved
 * machine: past it fast-check stops and passes with the cases run so far (it fails if none could run).
 */
export function fuzzRuns(numRuns: number): fc.Parameters<unknown> {
  return { numRuns, interruptAfterTimeLimit: 10_000 };
}

/** A character Node lets through in a header value. */
export const headerChar = fc
  .oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.constant(0x09) },
    { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  )
  .map((code) => String.fromCharCode(code));

/** Header text of up to `maxLength` characters. */
export function headerText(maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: headerChar, maxLength });
}

/** Any UTF-16 code unit: NUL, controls, lone surrogates, everything (for JSON bodies, where escapes carry them). */
export const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const base64url43 = fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 43, maxLength: 43 });
/** Visible ASCII but `;`: what an edit may put in a cookie value without ending it or being trimmed off as space. */
const editChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));

/** `id.signature` as the module signs it, with `secret`. */
export function signValue(id: string, secret: string): string {
  return `${id}.${createHmac('sha256', secret).update(id).digest('base64url')}`;
}

/** One character of `value` replaced, inserted or removed, or `value` cut short: never `value` itself. */
export function editedValue(value: string): fc.Arbitrary<string> {
  const at = fc.nat({ max: value.length });
  return fc
    .oneof(
      fc.tuple(at, editChar).map(([index, unit]) => value.slice(0, index) + unit + value.slice(index + 1)),
      fc.tuple(at, editChar).map(([index, unit]) => value.slice(0, index) + unit + value.slice(index)),
      at.map((index) => value.slice(0, index) + value.slice(index + 1)),
      at.map((index) => value.slice(0, index)),
    )
    .filter((edited) => edited !== value && !edited.includes(';'));
}

/**
 * Cookie values that no known secret signed: garbage, quoted and percent-encoded text, forgeries
 * signed with `foreignSecret`, well-formed random pairs, huge values (kept under Node's 16 KiB of
 * headers), and single-character edits and truncations of the `live` values.
 */
export function unverifiableValue(live: readonly string[], foreignSecret: string): fc.Arbitrary<string> {
  const noSemicolon = (text: string) => !text.includes(';');
  return fc.oneof(
    headerText(120).filter(noSemicolon),
    headerText(40)
      .filter(noSemicolon)
      .map((text) => `"${text}"`),
    fc.string({ unit: fc.constantFrom(...'%0123456789abcdefABCDEFxz.'.split('')), maxLength: 60 }),
    base64url43.map((id) => signValue(id, foreignSecret)),
    base64url43.map((id) => signValue(id, foreignSecret).replace('.', '%2E')),
    fc.tuple(base64url43, base64url43).map(([id, signature]) => `${id}.${signature}`),
    fc
      .tuple(fc.integer({ min: 1000, max: 6000 }), fc.constantFrom('A', '.', '%41', '"'))
      .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length))),
    fc.constantFrom(...live).chain(editedValue),
  );
}

/** Validly signed with `secret`, for IDs no session has: verification passes, the store finds nothing. */
export function signedUnknownValue(secret: string): fc.Arbitrary<string> {
  return base64url43.map((id) => signValue(id, secret));
}

/** Separators between the pairs of a Cookie header, the odd ones included. */
const separator = fc.constantFrom('; ', ';', ' ; ', ';;', '; ; ', ';\t');

/** Most characters of Cookie header generated: well under Node's 16 KiB for all headers, so no 431. */
const MAX_COOKIE_HEADER = 12_000;

/** A Cookie header made of `pairs`: one line joined by a separator, or several header lines. */
export function cookieHeader(pairs: fc.Arbitrary<string[]>): fc.Arbitrary<string | string[]> {
  const fitting = pairs.filter((list) => list.join('; ').length <= MAX_COOKIE_HEADER);
  return fc.oneof(
    fc.tuple(fitting, separator).map(([list, joint]) => list.join(joint)),
    fitting.filter((list) => list.length > 0),
  );
}

/** A cookie name other than `name`, even once trimmed: look-alikes, other prefixes, random tokens. */
export function otherCookieName(name: string): fc.Arbitrary<string> {
  const bare = name.replace(/^__(Host|Secure)-/, '');
  return fc
    .oneof(
      fc.constantFrom(`${name}x`, `x${name}`, name.toUpperCase(), bare, `__Secure-${bare}`, `__Host-${bare}`, 'a'),
      fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/),
    )
    .filter((candidate) => candidate !== name);
}

/** The response's status, failing the property (with the body, for the report) on a 5xx. */
export function expectNoServerError(response: Response, what: string): number {
  if (response.status >= 500) {
    throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.status;
}

/** Deep equality of JSON values, where numbers compare with `===` (-0 equals 0, as JSON gives it back). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return a === b;
  }
  const keysA = Object.keys(a);
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return (
    Array.isArray(a) === Array.isArray(b) &&
    keysA.length === Object.keys(b).length &&
    keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameJson(recordA[key], recordB[key]))
  );
}
