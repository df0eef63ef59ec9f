import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SALT_BYTES = 16;
const MAC_BYTES = 32;
/** base64url of 16 salt bytes and a 32-byte HMAC: 48 bytes, exactly 64 characters, no padding. */
const TOKEN = /^[A-Za-z0-9_-]{64}$/;
/** base64url of 32 bytes. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** Keeps the secret's HMAC apart from any other use of the session ID as a key. */
const SECRET_LABEL = 'nest-sessions:csrf-secret:v1';

/** Whether `value` has the shape of a stored CSRF secret (32 bytes, base64url). */
export function isCsrfSecret(value: unknown): value is string {
  return typeof value === 'string' && SECRET.test(value);
}

/**
 * The CSRF secret a session gets on first use: 32 bytes derived from the session's current ID, so
 * two requests that create it at once on the same session (two tabs loading a form) store the same
 * value, and neither one's token is undone by the other's write. The ID is 32 random bytes and
 * secret, and HMAC-SHA256 is one-way, so the result is as unguessable as a random secret; once
 * stored, it stays with the session through every later change of ID.
 */
export function deriveCsrfSecret(sessionId: string): string {
  return createHmac('sha256', sessionId).update(SECRET_LABEL).digest('base64url');
}

/**
 * A new token for `secret`: a random salt and the HMAC of that salt under the secret. Every call
 * gives different bytes (against BREACH, which reads secrets repeated across compressed responses),
 * and every one of them verifies.
 */
export function issueCsrfToken(secret: string): string {
  const salt = randomBytes(SALT_BYTES);
  return Buffer.concat([salt, macOf(secret, salt)]).toString('base64url');
}

/**
 * Whether `token` was issued for `secret`. Compares in constant time; anything that is not a
 * well-formed token (wrong type, length or alphabet) is simply invalid, never an exception.
 */
export function verifyCsrfToken(secret: string, token: unknown): boolean {
  if (!isCsrfSecret(secret) || typeof token !== 'string' || !TOKEN.test(token)) {
    return false;
  }
  const bytes = Buffer.from(token, 'base64url');
  const salt = bytes.subarray(0, SALT_BYTES);
  const mac = bytes.subarray(SALT_BYTES);
  return mac.length === MAC_BYTES && timingSafeEqual(mac, macOf(secret, salt));
}

function macOf(secret: string, salt: Buffer): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'base64url')).update(salt).digest();
}
