import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { SessionError } from '../core/session.errors';
import { formatEncryptedValue, parseEncryptedValue } from './encrypted-value';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 6;

/** Why a stored value could not be opened. */
export type SessionDecryptionFailure = 'plaintext' | 'unknown-key' | 'tampered';

/** A stored value, opened: the value, and whether it was sealed by the key that encrypts now. */
export interface OpenedValue {
  value: unknown;
  current: boolean;
}

/**
 * AES-256-GCM of single session values under a list of keys: the first seals, every one opens.
 * Each value is bound (as associated data) to its key name and its session's handle, so a value
 * moved to another key or another session does not open.
 */
export class SessionCipher {
  private readonly keys = new Map<string, Buffer>();
  /** The id of the key that seals. */
  readonly currentKeyId: string;

  constructor(keys: readonly Buffer[]) {
    keys.forEach((key) => this.keys.set(SessionCipher.keyIdOf(key), key));
    this.currentKeyId = SessionCipher.keyIdOf(keys[0]);
  }

  /** Names a key in stored values without revealing it: the first bytes of an HMAC-SHA-256 under it. */
  static keyIdOf(key: Buffer): string {
    return createHmac('sha256', key)
      .update('nest-sessions key id')
      .digest()
      .subarray(0, KEY_ID_BYTES)
      .toString('base64url');
  }

  /** `value` (a JSON value) sealed under the current key for key `name` of the session `handle`. */
  seal(value: unknown, handle: string, name: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(this.currentKeyId) as Buffer, iv);
    cipher.setAAD(associatedData(handle, name));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return formatEncryptedValue({
      keyId: this.currentKeyId,
      sealed: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    });
  }

  /** Opens a stored value of key `name` of the session `handle`; throws {@link SessionDecryptionError}. */
  open(stored: unknown, handle: string, name: string): OpenedValue {
    const parsed = parseEncryptedValue(stored);
    if (parsed === null) {
      throw new SessionDecryptionError('plaintext');
    }
    const key = this.keys.get(parsed.keyId);
    if (key === undefined) {
      throw new SessionDecryptionError('unknown-key');
    }
    const { sealed } = parsed;
    if (sealed.length < IV_BYTES + TAG_BYTES) {
      throw new SessionDecryptionError('tampered');
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData(handle, name));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plaintext = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return { value: JSON.parse(plaintext.toString('utf8')) as unknown, current: parsed.keyId === this.currentKeyId };
    } catch {
      throw new SessionDecryptionError('tampered');
    }
  }
}

/**
 * A stored value that does not open: not encrypted, under a key no longer configured, or altered.
 * Never reaches the application: the session is then treated as not found.
 */
export class SessionDecryptionError extends SessionError {
  readonly code = 'SESSION_DECRYPTION_FAILED';

  constructor(readonly reason: SessionDecryptionFailure) {
    super(`A session value could not be decrypted (${reason})`);
  }
}

/** Binds a value to its place: the session (its handle, which survives ID changes) and the key name. */
function associatedData(handle: string, name: string): Buffer {
  return Buffer.from(JSON.stringify(['nest-sessions/v1', handle, name]), 'utf8');
}
