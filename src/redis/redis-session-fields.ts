import type { SessionData, SessionPatch, SessionSummary, StoredSession } from '../store/stored-session.interface';

/**
 * How a session lies in its Redis hash. Short field names for the record (a million sessions
 * repeat them a million times); each session key under its JSON-encoded name, so a data field
 * always starts with `"` and never meets a record field. No field holds the session ID: `id` and
 * `pid` are hashes.
 */
export const FIELD = {
  idHash: 'id',
  previousIdHash: 'pid',
  previousUntil: 'pexp',
  tenant: 't',
  userId: 'u',
  registration: 'r',
  createdAt: 'c',
  lastActiveAt: 'a',
  expiresAt: 'e',
  absoluteExpiresAt: 'x',
  idIssuedAt: 'i',
  lifetime: 'l',
  ip: 'ip',
  userAgent: 'ua',
  dataSize: 'z',
  /** The count of patches applied; a session without it (created before versions existed, or not patched yet) is at 0. */
  version: 'v',
} as const;

/** Session data as hash fields: JSON-encoded key, JSON-encoded value, flattened; and their weight (see `bytes()` in the scripts). */
export function dataFields(data: SessionData): { fields: string[]; weight: number } {
  const fields: string[] = [];
  let weight = 0;
  for (const [key, value] of Object.entries(data)) {
    const encoded = JSON.stringify(value) as string | undefined;
    if (encoded === undefined) {
      continue;
    }
    const name = JSON.stringify(key);
    fields.push(name, encoded);
    weight += Buffer.byteLength(name) + Buffer.byteLength(encoded) + 2;
  }
  return { fields, weight };
}

/** The record fields of a new session, flattened, without its data; nulls are left out. */
export function recordFields(idHash: string, session: StoredSession, registration: string | null): string[] {
  const fields: Array<[string, string | number | null]> = [
    [FIELD.idHash, idHash],
    [FIELD.tenant, session.tenant],
    [FIELD.userId, session.userId],
    [FIELD.registration, session.userId === null ? null : registration],
    [FIELD.createdAt, session.createdAt],
    [FIELD.lastActiveAt, session.lastActiveAt],
    [FIELD.expiresAt, session.expiresAt],
    [FIELD.absoluteExpiresAt, session.absoluteExpiresAt],
    [FIELD.idIssuedAt, session.idIssuedAt],
    [FIELD.lifetime, session.lifetime],
    [FIELD.ip, session.ip],
    [FIELD.userAgent, session.userAgent],
  ];
  return fields.filter(([, value]) => value !== null).flatMap(([name, value]) => [name, String(value)]);
}

/** The record changes of a patch as field/value pairs: `''` removes the field (a null), `=` and a value sets it. */
export function recordChanges(patch: SessionPatch, registration: string | null): string[] {
  const changes: string[] = [];
  const change = (field: string, value: string | number | null | undefined) => {
    if (value !== undefined) {
      changes.push(field, value === null ? '' : `=${value}`);
    }
  };
  change(FIELD.lastActiveAt, patch.lastActiveAt);
  change(FIELD.expiresAt, patch.expiresAt);
  change(FIELD.absoluteExpiresAt, patch.absoluteExpiresAt);
  change(FIELD.lifetime, patch.lifetime);
  change(FIELD.userId, patch.userId);
  if (patch.userId !== undefined) {
    change(FIELD.registration, patch.userId === null ? null : registration);
  }
  change(FIELD.ip, patch.ip);
  change(FIELD.userAgent, patch.userAgent);
  return changes;
}

/** A session's hash (HGETALL) as a stored session; the JSON of its data is parsed in one go. */
export function toStoredSession(handle: string, hash: Record<string, string>): StoredSession {
  const entries: string[] = [];
  for (const name in hash) {
    if (name.charCodeAt(0) === 34 /* " */) {
      entries.push(`${name}:${hash[name]}`);
    }
  }
  return {
    ...toSummary(handle, hash),
    data: JSON.parse(`{${entries.join(',')}}`) as SessionData,
    absoluteExpiresAt: Number(hash[FIELD.absoluteExpiresAt]),
    idIssuedAt: Number(hash[FIELD.idIssuedAt]),
    lifetime: optionalNumber(hash[FIELD.lifetime]),
    version: Number(hash[FIELD.version] ?? 0),
  };
}

/** What listings show of a session's hash (or of the fields a script returned, by name; null or missing: no value). */
export function toSummary(handle: string, hash: Partial<Record<string, string | null>>): SessionSummary {
  return {
    handle,
    tenant: hash[FIELD.tenant] ?? '',
    userId: hash[FIELD.userId] ?? null,
    createdAt: Number(hash[FIELD.createdAt]),
    lastActiveAt: Number(hash[FIELD.lastActiveAt]),
    expiresAt: Number(hash[FIELD.expiresAt]),
    ip: hash[FIELD.ip] ?? null,
    userAgent: hash[FIELD.userAgent] ?? null,
  };
}

function optionalNumber(value: string | undefined): number | null {
  return value === undefined ? null : Number(value);
}
