import * as fc from 'fast-check';
import { anyCodeUnit, headerText, signedUnknownValue } from './http-fuzz';

/*
 * fast-check arbitraries for what a request carries besides its cookies: odd headers, `/kv/:key`
 * paths and JSON bodies, flash messages. Values are described compactly where they can be huge, so a
 * failure prints readably.
 */

/**
 * Client headers that must not matter to a cookie session, however odd: Authorization (garbage,
 * and bearer tokens made of live cookie values or of values `secret` signed), X-Forwarded-For,
 * User-Agent. Each may be absent.
 */
export function noiseHeaders(liveValues: readonly string[], secret: string): fc.Arbitrary<Record<string, string>> {
  const address = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.ipV4Extended(),
    fc.constantFrom('unknown', '[::1]:80', '1.2.3.4:5'),
  );
  const forwardedFor = fc.oneof(
    headerText(80),
    fc.array(fc.oneof(address, headerText(12)), { minLength: 1, maxLength: 6 }).map((list) => list.join(', ')),
  );
  const authorization = fc.oneof(
    headerText(200),
    fc.constantFrom(...liveValues).map((value) => `Bearer ${value}`),
    signedUnknownValue(secret).map((value) => `Bearer ${value}`),
    headerText(60).map((text) => `Basic ${Buffer.from(text, 'latin1').toString('base64')}`),
  );
  return fc.record(
    { authorization, 'x-forwarded-for': forwardedFor, 'user-agent': headerText(700) },
    { requiredKeys: [] },
  );
}

/** A `/kv/:key` path segment and the key the server should decode from it (undefined: malformed on purpose). */
export function kvKey(): fc.Arbitrary<{ path: string; key: string | undefined }> {
  const wellFormed = fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
      fc.string({ unit: anyCodeUnit, minLength: 1, maxLength: 8 }),
      fc.constantFrom('constructor', '__proto__', 'toString', '__user', '__flash', 'a.b', '%', '..x'),
    )
    .filter((key) => !/^\.{1,2}$/.test(key));
  const malformed = fc.string({
    unit: fc.constantFrom(...'%0123456789abcdefEFz'.split('')),
    minLength: 1,
    maxLength: 12,
  });
  return fc.oneof(
    wellFormed.map((key) => ({ path: percentEncode(key), key })),
    malformed.map((path) => ({ path, key: undefined })),
  );
}

/** Percent-encodes UTF-16 text as UTF-8, writing a lone surrogate as the 3 bytes no decoder accepts. */
function percentEncode(text: string): string {
  return Array.from(text, (unit) => {
    const code = unit.charCodeAt(0);
    if (unit.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    }
    return encodeURIComponent(unit);
  }).join('');
}

/**
 * A JSON body for `PUT /kv/:key`, described compactly so a failure prints readably (see
 * {@link kvBodyText}): values of every kind, hostile strings, long strings, deep nesting, other bodies.
 */
export type KvBody =
  | { value: unknown }
  | { longString: number }
  | { nestedArrays: number }
  | { nestedObjects: number }
  | { otherBody: unknown };

export function kvBody(): fc.Arbitrary<KvBody> {
  const depth = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 20_000 }));
  return fc.oneof(
    { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ value })) },
    { weight: 2, arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 20 }).map((value) => ({ value })) },
    {
      weight: 2,
      arbitrary: fc
        .dictionary(fc.string({ unit: anyCodeUnit, maxLength: 6 }), fc.string({ unit: anyCodeUnit, maxLength: 6 }))
        .map((value) => ({ value })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 90_000 }).map((longString) => ({ longString })) },
    { weight: 1, arbitrary: depth.map((nestedArrays) => ({ nestedArrays })) },
    { weight: 1, arbitrary: depth.map((nestedObjects) => ({ nestedObjects })) },
    { weight: 1, arbitrary: fc.jsonValue().map((otherBody) => ({ otherBody })) },
  );
}

/** The JSON text of a {@link KvBody}. */
export function kvBodyText(body: KvBody): string {
  if ('longString' in body) {
    return JSON.stringify({ value: 'x'.repeat(body.longString) });
  }
  if ('nestedArrays' in body) {
    return `{"value":${'['.repeat(body.nestedArrays)}${']'.repeat(body.nestedArrays)}}`;
  }
  if ('nestedObjects' in body) {
    return `{"value":${'{"a":'.repeat(body.nestedObjects)}1${'}'.repeat(body.nestedObjects)}}`;
  }
  return JSON.stringify('otherBody' in body ? body.otherBody : { value: body.value });
}

/** A JSON body for `POST /flash`: a type and message of any text, object-ish type names, or something else entirely. */
export function flashBody(): fc.Arbitrary<unknown> {
  const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: anyCodeUnit, maxLength: 12 }));
  const type = fc.oneof(
    text,
    fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__user', 'info', ''),
  );
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ type, message: text }) },
    { weight: 1, arbitrary: fc.record({ type: fc.jsonValue(), message: fc.jsonValue() }) },
  );
}
