import { SESSION_DEFAULTS } from './session.constants';
import { SessionValueError } from './session.errors';

/** A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** One step of the walk: look at a value, or leave an object whose children have all been looked at. */
type Step = { value: unknown; path: string; depth: number } | { leave: object };

/**
 * Throws a {@link SessionValueError} naming `key` unless the store can hold `key` and `value` and
 * JSON would give `value` back unchanged: plain objects, arrays, strings, finite numbers, booleans
 * and null, nested at most {@link SESSION_DEFAULTS.maxValueDepth} levels, with no NUL character or
 * lone surrogate in any string or key (PostgreSQL's jsonb refuses both).
 */
export function assertJsonValue(key: string, value: unknown): void {
  const reason = findTextProblem('the key', key) ?? findProblem(value);
  if (reason) {
    throw new SessionValueError(key, reason);
  }
}

/** The first problem in `root`, depth first, walked with a stack of its own so no depth can overflow the call stack. */
function findProblem(root: unknown): string | null {
  const ancestors = new Set<object>();
  const steps: Step[] = [{ value: root, path: '', depth: 0 }];
  for (let step = steps.pop(); step; step = steps.pop()) {
    if ('leave' in step) {
      ancestors.delete(step.leave);
      continue;
    }
    const { value, path, depth } = step;
    if (typeof value !== 'object' || value === null) {
      const problem = findLeafProblem(value, path);
      if (problem) {
        return problem;
      }
      continue;
    }
    const problem = findObjectProblem(value, ancestors, path, depth + 1);
    if (problem) {
      return problem;
    }
    ancestors.add(value);
    steps.push({ leave: value });
    const isArray = Array.isArray(value);
    // Reversed, so the stack hands the children out in their own order.
    for (const [childKey, child] of Object.entries(value).reverse()) {
      steps.push({ value: child, path: isArray ? `${path}[${childKey}]` : `${path}.${childKey}`, depth: depth + 1 });
    }
  }
  return null;
}

function findLeafProblem(value: unknown, path: string): string | null {
  switch (typeof value) {
    case 'string':
      return findTextProblem(describe(path), value);
    case 'boolean':
    case 'object': // null
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${describe(path)} is ${value}, which JSON turns into null`;
    case 'bigint':
      return `${describe(path)} is a BigInt, which JSON cannot hold (store it as a string)`;
    default:
      return `${describe(path)} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON cannot hold`;
  }
}

/** What keeps the object at `path`, the `depth`th level of containers, from being stored, keys included. */
function findObjectProblem(value: object, ancestors: Set<object>, path: string, depth: number): string | null {
  if (ancestors.has(value)) {
    return `${describe(path)} refers to itself (a cycle)`;
  }
  if (depth > SESSION_DEFAULTS.maxValueDepth) {
    return `the value is nested more than ${SESSION_DEFAULTS.maxValueDepth} levels deep (objects and arrays inside one another)`;
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
  if (isArray) {
    return null;
  }
  // Checked here, before any path is built from them: paths in messages stay printable.
  for (const childKey of Object.keys(value)) {
    const problem = findTextProblem(`a key of ${describe(path)}`, childKey);
    if (problem) {
      return problem;
    }
  }
  return null;
}

/** Why PostgreSQL cannot store `text` (named `what` in the message), or null. */
function findTextProblem(what: string, text: string): string | null {
  if (text.includes('\u0000')) {
    return `${what} contains a NUL character (\\u0000), which PostgreSQL cannot store`;
  }
  if (LONE_SURROGATE.test(text)) {
    return `${what} contains a lone surrogate (half of a UTF-16 pair), which is not valid Unicode`;
  }
  return null;
}

function describe(path: string): string {
  return path === '' ? 'the value' : `the value at ${path.startsWith('.') ? path.slice(1) : path}`;
}
