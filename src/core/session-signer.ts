import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes: 256 bits of entropy, 43 characters of base64url. */
const ID_BYTES = 32;
const SIGNED_VALUE = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/** A verified cookie: the session ID, and whether a secret other than the current one signed it. */
export interface VerifiedSessionId {
  id: string;
  signedWithOldSecret: boolean;
}

/** Makes session IDs, signs them into cookie values and verifies cookie values. */
export class SessionSigner {
  private readonly keys: readonly Buffer[];

  /** @param secrets the first signs, every one verifies */
  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((secret) => Buffer.from(secret, 'utf8'));
  }

  /** A new random session ID. */
  static generateId(): string {
    return randomBytes(ID_BYTES).toString('base64url');
  }

  /**
   * What the store keeps instead of the ID: its SHA-256, hex. With a tenant the hash covers it too,
   * so a cookie of one tenant names no session of another.
   */
  static hashId(id: string, tenant = ''): string {
    return createHash('sha256')
      .update(tenant === '' ? id : `${tenant}\u0000${id}`)
      .digest('hex');
  }

  /** A new opaque handle: 128 random bits, 22 characters of base64url. */
  static generateHandle(): string {
    return randomBytes(16).toString('base64url');
  }

  /** `id.signature`, signed with the first secret. */
  sign(id: string): string {
    return `${id}.${this.mac(this.keys[0], id).toString('base64url')}`;
  }

  /** The ID inside a cookie value, or `null` when the value is malformed or no secret signed it. */
  verify(value: string | undefined): VerifiedSessionId | null {
    const match = value ? SIGNED_VALUE.exec(value) : null;
    if (!match) {
      return null;
    }
    const [, id, signature] = match;
    const given = Buffer.from(signature, 'base64url');
    // The 43rd character carries 2 unused bits: without this check 4 spellings of one signature would verify.
    if (given.toString('base64url') !== signature) {
      return null;
    }
    for (let index = 0; index < this.keys.length; index++) {
      if (timingSafeEqual(given, this.mac(this.keys[index], id))) {
        return { id, signedWithOldSecret: index > 0 };
      }
    }
    return null;
  }

  private mac(key: Buffer, id: string): Buffer {
    return createHmac('sha256', key).update(id).digest();
  }
}
