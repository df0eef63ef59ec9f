/**
 * nest-sessions/testing: helpers for an app's own e2e tests (a session cookie in one line, what a
 * handler stored), and the store conformance suite, for anyone writing a store, with its fixtures.
 */
export { sessionCookieFor, type TestSessionOptions } from './session-cookie-for';
export {
  readSession,
  type ReadSessionOptions,
  type SessionCookieSource,
  type StoredSessionContents,
} from './read-session';
export { describeSessionStore, type SessionStoreFeatures } from './describe-session-store';
export { NOW, randomHandle, randomIdHash, storedSession, summaryOf } from './fixtures';
