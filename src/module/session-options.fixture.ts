import { SessionConfigurationError } from '../core/session.errors';
import type { SessionModuleOptions } from './session-module-options.interface';
import { resolveSessionOptions } from './session-options';

export const SECRET = 'a-secret-of-at-least-32-characters!!';
export const OTHER_SECRET = 'another-secret-of-32-characters-or-more';

/** Resolves `options` (plus a valid secret unless given). */
export function resolve(options: Partial<SessionModuleOptions> | Record<string, unknown> = {}) {
  return resolveSessionOptions({ secret: SECRET, ...options } as SessionModuleOptions);
}

/** Asserts that resolving fails with a configuration error whose message matches every pattern. */
export function expectFailure(options: unknown, ...patterns: Array<string | RegExp>): void {
  let caught: unknown;
  try {
    resolveSessionOptions(options as SessionModuleOptions);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SessionConfigurationError);
  const message = (caught as Error).message;
  for (const pattern of patterns) {
    expect(message).toMatch(pattern);
  }
}
