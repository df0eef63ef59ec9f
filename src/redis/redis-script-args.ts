import type { SessionWriteOptions } from '../store/session-store.interface';
import type { SessionPatch, StoredSession } from '../store/stored-session.interface';
import type { RedisSessionKeys } from './redis-keys';
import { dataFields, FIELD, recordChanges, recordFields } from './redis-session-fields';

/** The arguments of `CREATE_SESSION` (see redis-scripts.ts) for a new session. */
export function createArgs(
  idHash: string,
  session: StoredSession,
  options: SessionWriteOptions,
  registration: string | null,
  keys: RedisSessionKeys,
): Array<string | number> {
  const { fields, weight } = dataFields(session.data);
  return [
    options.deadline ?? '',
    options.maxBytes ?? '',
    weight,
    keys.deleteAt(session.expiresAt),
    ...recordFields(idHash, session, registration),
    FIELD.dataSize,
    weight,
    ...fields,
  ];
}

/** The arguments of `PATCH_SESSION` (see redis-scripts.ts) for a patch. */
export function patchArgs(
  patch: SessionPatch,
  options: SessionWriteOptions,
  registration: string | null,
  keys: RedisSessionKeys,
): Array<string | number> {
  const set = dataFields(patch.set).fields;
  const changes = recordChanges(patch, registration);
  return [
    options.now,
    options.deadline ?? '',
    options.maxBytes ?? '',
    patch.newIdHash ?? '',
    patch.ifIdHash ?? '',
    patch.keepPreviousFor ?? '',
    patch.idIssuedAt ?? options.now,
    patch.unset.length,
    set.length / 2,
    changes.length / 2,
    keys.keepExpiredFor,
    patch.ifVersion ?? '',
    ...patch.unset.map((key) => JSON.stringify(key)),
    ...set,
    ...changes,
  ];
}
