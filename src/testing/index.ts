/** nest-sessions/testing: the store conformance suite, for anyone writing a store, and its fixtures. */
export { describeSessionStore, type SessionStoreFeatures } from './describe-session-store';
export { NOW, randomHandle, randomIdHash, storedSession, summaryOf } from './fixtures';
