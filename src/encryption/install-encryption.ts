import { Logger } from '@nestjs/common';
import type { SessionEventPublisher } from '../events/session-event-publisher';
import type { SessionStore } from '../store/session-store.interface';
import { EncryptedSessionStore } from './encrypted-session-store';
import type { ResolvedEncryptionOptions } from './encryption-options';
import { SessionCipher, type SessionDecryptionFailure } from './session-cipher';

const WHY: Record<SessionDecryptionFailure, string> = {
  plaintext:
    'a value is not encrypted (set `encryption.allowPlaintext` while migrating sessions from before encryption)',
  'unknown-key': 'a value is encrypted under a key no longer in `encryption.keys`',
  tampered: 'a value fails authentication (altered, or moved from another key or session)',
};

/**
 * The module's store under `encryption`: values encrypted, and each session that does not open
 * logged and published as `rejected`, reason `decryption` (never its values).
 */
export function installEncryption(
  store: SessionStore,
  encryption: ResolvedEncryptionOptions,
  events?: SessionEventPublisher,
): SessionStore {
  const logger = new Logger('SessionEncryption');
  return new EncryptedSessionStore(
    store,
    new SessionCipher(encryption.keys),
    encryption.allowPlaintext,
    (session, reason) => {
      logger.warn(`Session ${session.handle} treated as not found: ${WHY[reason]}.`);
      events?.publish('rejected', session, 'decryption');
    },
  );
}
