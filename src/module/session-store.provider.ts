import { type Provider, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import { installEncryption } from '../encryption/install-encryption';
import { SessionEventPublisher } from '../events/session-event-publisher';
import { SessionStore } from '../store/session-store.interface';
import { hasUserIndex } from '../store/session-user-index.interface';
import type { SessionModuleOptions } from './session-module-options.interface';
import { SESSION_RAW_OPTIONS } from './session.module-definition';
import type { ResolvedSessionOptions } from './session-options';

/** The {@link SessionStore}: the instance given as `store`, or one Nest builds from the class given, with its dependencies. */
export const sessionStoreProvider: Provider = {
  provide: SessionStore,
  useFactory: createStore,
  inject: [SESSION_RAW_OPTIONS, SESSION_MODULE_OPTIONS, ModuleRef, SessionEventPublisher],
};

async function createStore(
  options: SessionModuleOptions,
  resolved: ResolvedSessionOptions,
  moduleRef: ModuleRef,
  events: SessionEventPublisher,
): Promise<SessionStore> {
  const given = options.store;
  if (!given) {
    throw new SessionConfigurationError(
      'SessionModule: `store` is missing. Give `store: TypeOrmSessionStore` (from nest-sessions/typeorm, on your ' +
        'TypeORM DataSource), another SessionStore, or `store: MemorySessionStore` for development and tests.',
    );
  }
  const store = isStoreClass(given) ? await moduleRef.create(given) : given;
  if (resolved.maxSessionsPerUser !== null && !hasUserIndex(store)) {
    throw new SessionConfigurationError(
      'SessionModule: `maxSessionsPerUser` needs a store that keeps a per-user index (SessionUserIndex); this store does not.',
    );
  }
  // Wrapped last, so the module and the app's `@InjectSessionStore()` see decrypted sessions alike.
  return resolved.encryption ? installEncryption(store, resolved.encryption, events) : store;
}

function isStoreClass(store: SessionStore | Type<SessionStore>): store is Type<SessionStore> {
  return typeof store === 'function';
}
