/**
 * What happened to a session:
 * - `created`: first stored;
 * - `logged-in` / `logged-out`: `login()` / `logout()` committed;
 * - `regenerated`: given a new ID by `regenerate()` (login and logout do it too);
 * - `renewed`: given a new ID because of `renewAfter`;
 * - `destroyed`: `destroy()` committed;
 * - `revoked`: deleted through `SessionService`, or evicted by `maxSessionsPerUser` (reason `session-limit`);
 * - `expired`: a request presented a session past its expiry;
 * - `rejected`: a request presented a cookie with a bad signature (reason `signature`), or a session
 *   bound to another client (reason `binding`; the session is destroyed), or, with `encryption`, a
 *   session whose stored values do not decrypt (reason `decryption`: tampered, or under a retired key),
 *   or, with `dbsc`, a device-bound session without its short-lived cookie (reason `device`; the
 *   request is anonymous, the session stays).
 */
export type SessionEventType =
  'created' | 'logged-in' | 'logged-out' | 'regenerated' | 'renewed' | 'destroyed' | 'revoked' | 'expired' | 'rejected';

/** A session lifecycle event, for audit logs and metrics. Never carries the session ID. */
export interface SessionEvent {
  type: SessionEventType;
  /** The session's opaque handle; null when the cookie named no session (a bad signature). */
  handle: string | null;
  userId: string | null;
  tenant: string;
  /** The client of the request that caused the event (for `revoked`: of the session). */
  ip: string | null;
  userAgent: string | null;
  /** Why, for `rejected` and `revoked`. */
  reason?: 'signature' | 'binding' | 'decryption' | 'device' | 'revoked' | 'session-limit';
  at: Date;
}
