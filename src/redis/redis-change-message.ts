/**
 * A message of the change channel: `<handle> <version>` after a patch, `<handle>` alone once the
 * session is gone. A handle never holds a space (the module makes them of base64url).
 */
export function formatChange(handle: string, version: number | null): string {
  return version === null ? handle : `${handle} ${version}`;
}

/** A message of the change channel read back; null for one that is not (another writer's, a garbled one). */
export function parseChange(message: string): { handle: string; version: number | null } | null {
  const [handle, version, ...rest] = message.split(' ');
  if (handle === '' || rest.length > 0) {
    return null;
  }
  if (version === undefined) {
    return { handle, version: null };
  }
  return /^\d+$/.test(version) ? { handle, version: Number(version) } : null;
}
