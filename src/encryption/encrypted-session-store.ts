import type { SessionEncryptionOptions } from '../module/session-module-options.interface';
import type { SessionStore, SessionStoreCallOptions, SessionWriteOptions } from '../store/session-store.interface';
import type { SessionData, SessionPatch, SessionSummary, StoredSession } from '../store/stored-session.interface';
import { parseEncryptedValue, sealedSizeBound } from './encrypted-value';
import { resolveEncryptionOptions } from './encryption-options';
import {
  SessionCipher,
  SessionDecryptionError,
  type OpenedValue,
  type SessionDecryptionFailure,
} from './session-cipher';

/** Told of a stored session that did not open, which is then treated as not found. */
export type SessionDecryptionListener = (session: SessionSummary, reason: SessionDecryptionFailure) => void;

/**
 * The store's optional capabilities (user index, expiry, change channel, start-up check), `close`,
 * and the Nest lifecycle hooks: the wrapper has each exactly when the store has it. None of them
 * carries session data.
 */
const FORWARDED_METHODS = [
  'listByUser',
  'destroyByHandle',
  'destroyByUser',
  'deleteExpired',
  'subscribeToChanges',
  'checkStore',
  'close',
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
] as const;

/**
 * A store whose session values are encrypted at rest, one by one (so patches stay per key), with
 * AES-256-GCM under the configured keys. A session with a value that does not open (altered, under
 * an unknown key, or plaintext where plaintext is not allowed) is not found. A session read with
 * values under an older key, or in plaintext, lists them in `staleKeys`: its next write rewrites them.
 */
export class EncryptedSessionStore implements SessionStore {
  constructor(
    private readonly store: SessionStore,
    private readonly cipher: SessionCipher,
    private readonly allowPlaintext: boolean,
    private readonly onRejected: SessionDecryptionListener = () => undefined,
  ) {
    for (const name of FORWARDED_METHODS) {
      const method = (store as unknown as Record<string, unknown>)[name];
      if (typeof method === 'function') {
        Object.defineProperty(this, name, { value: method.bind(store) as unknown, writable: true, configurable: true });
      }
    }
  }

  async get(idHash: string, options?: SessionStoreCallOptions): Promise<StoredSession | null> {
    const stored = await this.store.get(idHash, options);
    return stored && this.open(stored);
  }

  create(idHash: string, session: StoredSession, options: SessionWriteOptions): Promise<void> {
    const { staleKeys: _stale, ...record } = session;
    return this.store.create(idHash, { ...record, data: this.seal(session.data, session.handle) }, bounded(options));
  }

  patch(handle: string, patch: SessionPatch, options: SessionWriteOptions): Promise<string | null> {
    return this.store.patch(handle, { ...patch, set: this.seal(patch.set, handle) }, bounded(options));
  }

  destroy(handle: string, options?: SessionStoreCallOptions): Promise<void> {
    return this.store.destroy(handle, options);
  }

  /** The session with its values decrypted, or null (reported) when one does not open. */
  private open(stored: StoredSession): StoredSession | null {
    const stale: string[] = [];
    let entries: Array<[string, unknown]>;
    try {
      entries = Object.entries(stored.data).map(([name, value]) => {
        const opened = this.openValue(value, stored.handle, name);
        if (!opened.current) {
          stale.push(name);
        }
        return [name, opened.value];
      });
    } catch (error) {
      if (!(error instanceof SessionDecryptionError)) {
        throw error;
      }
      this.onRejected(summaryOf(stored), error.reason);
      return null;
    }
    // fromEntries defines own properties: a stored `__proto__` key stays data.
    const session: StoredSession = { ...stored, data: Object.fromEntries(entries) };
    if (stale.length > 0) {
      session.staleKeys = stale;
    }
    return session;
  }

  private openValue(value: unknown, handle: string, name: string): OpenedValue {
    if (this.allowPlaintext && parseEncryptedValue(value) === null) {
      return { value, current: false };
    }
    return this.cipher.open(value, handle, name);
  }

  private seal(data: SessionData, handle: string): SessionData {
    return Object.fromEntries(
      Object.entries(data).map(([name, value]) => [name, this.cipher.seal(value, handle, name)]),
    );
  }
}

/** The store's size bound, scaled to ciphertext: the writer already refused what is too large in plaintext. */
function bounded(options: SessionWriteOptions): SessionWriteOptions {
  return options.maxBytes === undefined ? options : { ...options, maxBytes: sealedSizeBound(options.maxBytes) };
}

function summaryOf(session: StoredSession): SessionSummary {
  const { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent } = session;
  return { handle, tenant, userId, createdAt, lastActiveAt, expiresAt, ip, userAgent };
}

/**
 * `store` with its session values encrypted at rest, as the module's `encryption` option installs
 * it. For writing to an encrypted store outside the module, e.g. copying sessions into it with
 * `copySessions` (from a plaintext source: copying between two stores as they are keeps encrypted
 * values encrypted). Throws `SessionConfigurationError` for bad options.
 */
export function encryptSessionStore(store: SessionStore, options: SessionEncryptionOptions): SessionStore {
  const resolved = resolveEncryptionOptions(options);
  if (resolved === null) {
    return store;
  }
  return new EncryptedSessionStore(store, new SessionCipher(resolved.keys), resolved.allowPlaintext);
}
