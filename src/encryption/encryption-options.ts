import { SessionConfigurationError } from '../core/session.errors';
import type { SessionEncryptionOptions } from '../module/session-module-options.interface';
import { SessionCipher } from './session-cipher';

/** The `encryption` option, validated: the keys as bytes, the first one sealing. */
export interface ResolvedEncryptionOptions {
  keys: readonly Buffer[];
  allowPlaintext: boolean;
}

const KEY_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$|^[A-Za-z0-9_-]+$/;
const GENERATE = 'generate one with `openssl rand -base64 32`';

/** Validates `encryption`; null when encryption is off (the option left out). Never prints a key. */
export function resolveEncryptionOptions(
  encryption: SessionEncryptionOptions | undefined,
): ResolvedEncryptionOptions | null {
  if (encryption === undefined) {
    return null;
  }
  if (encryption === null || typeof encryption !== 'object' || !Array.isArray(encryption.keys)) {
    fail(`\`encryption\` must be an object such as { keys: [process.env.SESSION_KEY] } (${GENERATE}).`);
  }
  if (encryption.keys.length === 0) {
    fail(`\`encryption.keys\` is empty: give at least one base64 key of 32 bytes (${GENERATE}).`);
  }
  const keys = encryption.keys.map((key, index) => keyBytes(key, index));
  const ids = keys.map((key) => SessionCipher.keyIdOf(key));
  ids.forEach((id, index) => {
    const first = ids.indexOf(id);
    if (first !== index) {
      fail(`\`encryption.keys[${index}]\` repeats \`encryption.keys[${first}]\`: give each key once.`);
    }
  });
  const allowPlaintext = encryption.allowPlaintext ?? false;
  if (typeof allowPlaintext !== 'boolean') {
    fail(`\`encryption.allowPlaintext\` must be true or false; got ${JSON.stringify(allowPlaintext)}.`);
  }
  return { keys, allowPlaintext };
}

/** A key's 32 bytes: a Buffer as given, or a base64 (or base64url) string decoded. */
function keyBytes(key: unknown, index: number): Buffer {
  const label = `\`encryption.keys[${index}]\``;
  if (Buffer.isBuffer(key)) {
    if (key.length !== KEY_BYTES) {
      fail(`${label} is a Buffer of ${key.length} bytes: an AES-256 key has ${KEY_BYTES}.`);
    }
    return Buffer.from(key);
  }
  if (typeof key !== 'string' || !BASE64.test(key.trim())) {
    fail(`${label} must be a base64 string of ${KEY_BYTES} bytes or a Buffer (${GENERATE}).`);
  }
  const bytes = Buffer.from(key.trim(), key.includes('-') || key.includes('_') ? 'base64url' : 'base64');
  if (bytes.length !== KEY_BYTES) {
    fail(`${label} decodes to ${bytes.length} bytes: an AES-256 key has ${KEY_BYTES} (${GENERATE}).`);
  }
  return bytes;
}

function fail(message: string): never {
  throw new SessionConfigurationError(`SessionModule: ${message}`);
}
