import { SessionValueError } from './session.errors';

/**
 * Throws a {@link SessionValueError} naming `key` unless JSON would give `value`
 * back unchanged: plain objects, arrays, strings, finite numbers, booleans and null.
 */
export function assertJsonValue(key: string, value: unknown): void {
  const reason = findProblem(value, new Set<object>(), '');
  if (reason) {
    throw new SessionValueError(key, reason);
  }
}

function findProblem(value: unknown, ancestors: Set<object>, path: string): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${describe(path)} is ${value}, which JSON turns into null`;
    case 'object':
      return value === null ? null : findObjectProblem(value, ancestors, path);
    case 'bigint':
      return `${describe(path)} is a BigInt, which JSON cannot hold (store it as a string)`;
    default:
      return `${describe(path)} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON cannot hold`;
  }
}

function findObjectProblem(value: object, ancestors: Set<object>, path: string): string | null {
  if (ancestors.has(value)) {
    return `${describe(path)} refers to itself (a cycle)`;
  }
  const isArray = Array.isArray(value);
  const prototype = Object.getPrototypeOf(value);
  if (!isArray && prototype !== Object.prototype && prototype !== null) {
    const name = (prototype?.constructor as { name?: string } | undefined)?.name ?? 'object';
    return `${describe(path)} is a ${name}, not a plain object (JSON would not give it back; store a plain object or a string)`;
  }
  if (isArray && Object.keys(value).length !== value.length) {
    return `${describe(path)} is a sparse array, whose holes JSON turns into null`;
  }
  ancestors.add(value);
  try {
    for (const [childKey, child] of Object.entries(value)) {
      const problem = findProblem(child, ancestors, isArray ? `${path}[${childKey}]` : `${path}.${childKey}`);
      if (problem) {
        return problem;
      }
    }
    return null;
  } finally {
    ancestors.delete(value);
  }
}

function describe(path: string): string {
  return path === '' ? 'the value' : `the value at ${path.startsWith('.') ? path.slice(1) : path}`;
}
