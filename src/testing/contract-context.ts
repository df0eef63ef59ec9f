import type { SessionStore } from '../store/session-store.interface';
import type { SessionUserIndex, UserSessionLimit } from '../store/session-user-index.interface';
import type { SessionPatch, SessionSummary, StoredSession } from '../store/stored-session.interface';
import type { SessionExpiry } from '../store/session-expiry.interface';
import { NOW, randomHandle, randomIdHash, storedSession } from './fixtures';

/** A store with every optional contract, as the suites that test those contracts see it. */
export type FullSessionStore = SessionStore & SessionUserIndex & SessionExpiry;

/** What the contract suites share: the store under test (new before each test) and helpers that fill it. */
export interface ContractContext {
  /** The store of the current test. */
  store(): FullSessionStore;
  /** Stores a session and returns it with its hash, for tests that compare summaries. */
  createStored(overrides?: Partial<StoredSession>): Promise<StoredSession & { idHash: string }>;
  /** Stores a session and returns its ID hash. */
  createSession(overrides?: Partial<StoredSession>): Promise<string>;
  /**
   * The session under `idHash` as `get` returns it, less its `version`: the suites compare whole
   * sessions, and only the change contract checks versions (which stores without a change channel
   * may leave out).
   */
  read(idHash: string): Promise<StoredSession | null>;
  /** Another instance on the same back end as the current store (the store itself by default). */
  sameBackEnd(): Promise<SessionStore>;
  /** Patches the session created under `idHash`, found by its handle, as the module does. */
  patchCreated(idHash: string, patch: SessionPatch, now: number, limit?: UserSessionLimit): Promise<string | null>;
  handlesOf(sessions: SessionSummary[]): string[];
}

/** Registers, in the enclosing `describe`, a new store before each test; returns the shared helpers. */
export function useContractContext(
  createEmptyStore: () => SessionStore | Promise<SessionStore>,
  sameBackEnd: (store: SessionStore) => SessionStore | Promise<SessionStore> = (store) => store,
): ContractContext {
  let store: FullSessionStore;
  const handles = new Map<string, string>();
  beforeEach(async () => {
    store = (await createEmptyStore()) as FullSessionStore;
  });
  const createStored = async (overrides: Partial<StoredSession> = {}) => {
    const session = storedSession(overrides);
    const idHash = randomIdHash();
    await store.create(idHash, session, { now: NOW });
    handles.set(idHash, session.handle);
    return { ...session, idHash };
  };
  return {
    store: () => store,
    createStored,
    createSession: async (overrides) => (await createStored(overrides)).idHash,
    read: async (idHash) => {
      const found = await store.get(idHash);
      if (found === null) {
        return null;
      }
      const { version: _version, ...rest } = found;
      return rest;
    },
    sameBackEnd: async () => sameBackEnd(store),
    patchCreated: (idHash, patch, now, limit) =>
      store.patch(handles.get(idHash) ?? randomHandle(), patch, { now, limit }),
    handlesOf: (sessions) => sessions.map((session) => session.handle),
  };
}
