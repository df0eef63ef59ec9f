import type { SessionStore } from '../store/session-store.interface';
import { describeChangesContract } from './changes-contract';
import { useContractContext } from './contract-context';
import { describeCoreContract } from './core-contract';
import { describeExpiryContract } from './expiry-contract';
import { describeLimitContract } from './limit-contract';
import { describeUserIndexContract } from './user-index-contract';
import { describeWriteBoundsContract } from './write-bounds-contract';

/** Which optional contracts the store under test implements (and is tested for). */
export interface SessionStoreFeatures {
  /** `SessionUserIndex` and the `limit` of writes. Default true. */
  userIndex?: boolean;
  /** `SessionExpiry`. Default true; false for a store whose back end expires sessions itself. */
  expiry?: boolean;
  /**
   * For a store with a change channel (`SessionChanges`, tested whenever the store has one):
   * another instance on the same back end as `store` (the same database, server and prefix), as
   * another app instance would have, so the suite shows that a change made through one reaches a
   * listener on the other. Default: `store` itself. What it opens, the caller closes.
   */
  sameBackEnd?: (store: SessionStore) => SessionStore | Promise<SessionStore>;
}

/**
 * The store conformance suite: what every {@link SessionStore} must do, as the stores this package
 * ships do it. Call it at the top level of a test file (jest or vitest with globals);
 * `createEmptyStore` runs before each test and must give a store holding no session.
 *
 * ```ts
 * describeSessionStore('MyStore', () => new MyStore(client), { expiry: false });
 * ```
 */
export function describeSessionStore(
  name: string,
  createEmptyStore: () => SessionStore | Promise<SessionStore>,
  features: SessionStoreFeatures = {},
): void {
  describe(`${name} (SessionStore contract)`, () => {
    const context = useContractContext(createEmptyStore, features.sameBackEnd);
    describeCoreContract(context);
    describeWriteBoundsContract(context);
    if (features.userIndex ?? true) {
      describeUserIndexContract(context);
      describeLimitContract(context);
    }
    if (features.expiry ?? true) {
      describeExpiryContract(context);
    }
    describeChangesContract(context, { userIndex: features.userIndex ?? true });
  });
}
