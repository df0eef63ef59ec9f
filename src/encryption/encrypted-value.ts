/** What every encrypted session value starts with: the format's version, so a later format can be told apart. */
export const ENCRYPTED_VALUE_PREFIX = 'enc1:';

/** A value as the store keeps it once encrypted: the key that sealed it, and `iv | ciphertext | tag`. */
export interface EncryptedValue {
  keyId: string;
  sealed: Buffer;
}

const ENCRYPTED_VALUE = /^enc1:([A-Za-z0-9_-]{8}):([A-Za-z0-9_-]+)$/;

/** `enc1:<keyId>:<base64url(iv | ciphertext | tag)>`. */
export function formatEncryptedValue(value: EncryptedValue): string {
  return `${ENCRYPTED_VALUE_PREFIX}${value.keyId}:${value.sealed.toString('base64url')}`;
}

/** The parts of a stored value in the encrypted format; null for anything else (a plaintext value). */
export function parseEncryptedValue(stored: unknown): EncryptedValue | null {
  const match = typeof stored === 'string' ? ENCRYPTED_VALUE.exec(stored) : null;
  return match ? { keyId: match[1], sealed: Buffer.from(match[2], 'base64url') } : null;
}

/** Bytes an encrypted value adds to a plaintext one of its JSON, at most: quotes, prefix, key id, IV, tag, base64 rounding. */
const SEALED_VALUE_OVERHEAD = 2 + ENCRYPTED_VALUE_PREFIX.length + 8 + 1 + Math.ceil(((12 + 16) * 4) / 3) + 3;
/** The fewest bytes a key and its value take in a session's JSON (`"k":0,`), less its comma. */
const SMALLEST_ENTRY_BYTES = 5;

/**
 * The most bytes a session whose plaintext JSON takes `plaintextBytes` can take once its values are
 * encrypted: base64 adds a third, and each value a fixed overhead (at most one value per smallest
 * entry). The bound stores enforce on encrypted data, so that a session the writer let through in
 * plaintext is never refused for its ciphertext.
 */
export function sealedSizeBound(plaintextBytes: number): number {
  return Math.ceil((plaintextBytes * 4) / 3) + Math.ceil(plaintextBytes / SMALLEST_ENTRY_BYTES) * SEALED_VALUE_OVERHEAD;
}
