import { SESSION_DEFAULTS } from './session.constants';
import { SessionValueError } from './session.errors';
import { assertJsonValue } from './session-json';

/** The error `assertJsonValue(key, value)` throws; fails the test when it throws nothing else. */
export function rejectionOf(key: string, value: unknown): SessionValueError {
  try {
    assertJsonValue(key, value);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionValueError);
    return error as SessionValueError;
  }
  throw new Error(`assertJsonValue accepted ${String(value)}`);
}

/** Deep equality where numbers compare with `===` (so -0 equals 0, as it does for any reader of the value). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return a === b;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameJson(recordA[key], recordB[key]))
  );
}

export class Cart {
  items: string[] = [];
}

export const MAX_DEPTH = SESSION_DEFAULTS.maxValueDepth;

export const NESTINGS = ['array', 'object', 'mixed'] as const;

/** `depth` containers inside one another, built without recursion: arrays, objects, or both in turn. */
export function nested(depth: number, kind: (typeof NESTINGS)[number] = 'mixed'): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) {
    const asArray = kind === 'array' || (kind === 'mixed' && level % 2 === 0);
    value = asArray ? [value] : { next: value };
  }
  return value;
}

/** Whether UTF-8 gives `text` back unchanged: false exactly when it holds a lone surrogate. */
export const isWellFormed = (text: string): boolean => Buffer.from(text, 'utf8').toString('utf8') === text;
