import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

/** A demo user as the sample knows it. */
export interface SampleUser {
  id: string;
  username: string;
  roles: string[];
}

interface StoredUser extends SampleUser {
  salt: Buffer;
  passwordHash: Buffer;
}

const DEMO_USERS = [
  { id: '1', username: 'alice', password: 'alice-pass-123', roles: ['user'] },
  { id: '2', username: 'admin', password: 'admin-pass-123', roles: ['user', 'admin'] },
];

/** The demo users; passwords are kept only as salted scrypt hashes. */
@Injectable()
export class UsersService {
  private readonly users: Promise<Map<string, StoredUser>> = hashDemoUsers();

  /** The user whose credentials these are, or null. */
  async verify(username: string, password: string): Promise<SampleUser | null> {
    const user = (await this.users).get(username);
    if (!user) {
      return null;
    }
    const hash = await scrypt(password, user.salt, user.passwordHash.length);
    return timingSafeEqual(hash, user.passwordHash)
      ? { id: user.id, username: user.username, roles: user.roles }
      : null;
  }
}

async function hashDemoUsers(): Promise<Map<string, StoredUser>> {
  const entries = await Promise.all(
    DEMO_USERS.map(async ({ password, ...user }) => {
      const salt = randomBytes(16);
      return [user.username, { ...user, salt, passwordHash: await scrypt(password, salt, 32) }] as const;
    }),
  );
  return new Map(entries);
}
