import {
  RESERVED_AUTH_KEY,
  RESERVED_CSRF_KEY,
  RESERVED_DBSC_KEY,
  RESERVED_FLASH_KEY,
  RESERVED_USER_KEY,
} from './session.constants';
import { SessionValueError } from './session.errors';

/** Keys the module keeps in the data for itself: the login, its proof of identity, the flash messages, the CSRF secret and the DBSC state. */
export function isReservedKey(key: string): boolean {
  return (
    key === RESERVED_USER_KEY ||
    key === RESERVED_FLASH_KEY ||
    key === RESERVED_AUTH_KEY ||
    key === RESERVED_CSRF_KEY ||
    key === RESERVED_DBSC_KEY
  );
}

/** Refuses a key the application may not read or write: not a non-empty string, reserved, or `__proto__`. */
export function assertUserKey(key: string): void {
  if (typeof key !== 'string' || key === '') {
    throw new SessionValueError(String(key), 'a session key must be a non-empty string');
  }
  if (isReservedKey(key)) {
    throw new SessionValueError(key, 'the key is reserved by the session module (use login() or flash())');
  }
  if (key === '__proto__') {
    // Assigning it would replace the data object's prototype instead of storing a key.
    throw new SessionValueError(key, 'the key cannot be stored in a JavaScript object');
  }
}
