import { randomBytes } from 'node:crypto';
import { SessionConfigurationError } from '../core/session.errors';
import { resolveSessionOptions } from '../module/session-options';
import type { SessionEncryptionOptions } from '../module/session-module-options.interface';
import { resolveEncryptionOptions } from './encryption-options';

const SECRET = 'a-session-secret-of-at-least-32-characters';

function errorOf(encryption: unknown): SessionConfigurationError {
  try {
    resolveSessionOptions({ secret: SECRET, encryption: encryption as SessionEncryptionOptions });
  } catch (error) {
    if (error instanceof SessionConfigurationError) {
      return error;
    }
    throw error;
  }
  throw new Error('accepted');
}

describe('the encryption option', () => {
  const key = randomBytes(32);

  it('is off by default', () => {
    expect(resolveSessionOptions({ secret: SECRET }).encryption).toBeNull();
  });

  it('takes base64 and base64url strings of 32 bytes and 32-byte Buffers, in order', () => {
    const other = randomBytes(32);
    const third = randomBytes(32);
    const resolved = resolveEncryptionOptions({
      keys: [key.toString('base64'), other, ` ${third.toString('base64url')}\n`],
    });
    expect(resolved?.keys).toEqual([key, other, third]);
    expect(resolved?.allowPlaintext).toBe(false);
    expect(resolveEncryptionOptions({ keys: [key], allowPlaintext: true })?.allowPlaintext).toBe(true);
  });

  it('names a bad key by its position, and never prints it', () => {
    const short = randomBytes(16).toString('base64');
    const error = errorOf({ keys: [key.toString('base64'), short] });
    expect(error.message).toContain('encryption.keys[1]');
    expect(error.message).toContain('decodes to 16 bytes');
    expect(error.message).toContain('openssl rand -base64 32');
    expect(error.message).not.toContain(short);
    const notBase64 = 'this is not base64 at all, is it?';
    expect(errorOf({ keys: [notBase64] }).message).toContain('encryption.keys[0]');
    expect(errorOf({ keys: [notBase64] }).message).not.toContain(notBase64);
    expect(errorOf({ keys: [key, randomBytes(31)] }).message).toContain('encryption.keys[1]` is a Buffer of 31 bytes');
    expect(errorOf({ keys: [key, 42] }).message).toContain('encryption.keys[1]');
  });

  it('refuses no keys, a repeated key, a missing list and a non-boolean allowPlaintext', () => {
    expect(errorOf({ keys: [] }).message).toContain('`encryption.keys` is empty');
    expect(errorOf({ keys: [key, randomBytes(32), key.toString('base64')] }).message).toContain(
      '`encryption.keys[2]` repeats `encryption.keys[0]`',
    );
    expect(errorOf({}).message).toContain('`encryption` must be an object');
    expect(errorOf('key').message).toContain('`encryption` must be an object');
    expect(errorOf({ keys: [key], allowPlaintext: 'yes' }).message).toContain('encryption.allowPlaintext');
  });
});
