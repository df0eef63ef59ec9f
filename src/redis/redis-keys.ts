import { createHash } from 'node:crypto';

/**
 * The store's key layout. Every key starts with the prefix. A session's hash is tagged with its
 * handle, so everything one script touches lies in one hash slot; the ID pointers and a user's
 * index lie wherever their names hash to.
 *
 * - `<prefix>{<handle>}`: the session (a hash), deleted by Redis `keepExpiredFor` after it expires.
 * - `<prefix>id:<id hash>`: the handle of the session with that ID hash, until its absolute expiry
 *   (and `keepExpiredFor`).
 * - `<prefix>user:{<user key>}`: a user's sessions (a sorted set of registrations), the user key
 *   being the SHA-256 of the user ID, so any ID makes a well-formed key.
 */
export class RedisSessionKeys {
  constructor(
    readonly prefix: string,
    /** How long after a session expires its keys stay, so a request presenting it is told it expired. */
    readonly keepExpiredFor: number,
  ) {}

  /** When Redis deletes a key that serves until `time` (epoch ms). */
  deleteAt(time: number | string): number {
    return Number(time) + this.keepExpiredFor;
  }

  session(handle: string): string {
    return `${this.prefix}{${handle}}`;
  }

  pointer(idHash: string): string {
    return `${this.prefix}id:${idHash}`;
  }

  user(userId: string): string {
    return `${this.prefix}user:{${createHash('sha256').update(userId).digest('base64url')}}`;
  }
}
