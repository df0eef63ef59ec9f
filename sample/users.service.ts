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

/** A salted scrypt hash of a password. */
interface PasswordHash {
  salt: Buffer;
  passwordHash: Buffer;
}

interface StoredUser extends SampleUser, PasswordHash {}

const DEMO_USERS = [
  { id: '1', username: 'alice', password: 'alice-pass-123', roles: ['user'] },
  { id: '2', username: 'admin', password: 'admin-pass-123', roles: ['user', 'admin'] },
];

/**
 * The demo users; passwords are kept only as salted scrypt hashes. A changed password is kept in
 * this instance's memory (by user ID), in place of the demo one.
 */
@Injectable()
export class UsersService {
  private readonly users: Promise<Map<string, StoredUser>> = hashDemoUsers();
  private readonly changedPasswords = new Map<string, PasswordHash>();

  /** The user whose credentials these are, or null. */
  async verify(username: string, password: string): Promise<SampleUser | null> {
    const user = (await this.users).get(username);
    if (!user || !(await matches(password, this.changedPasswords.get(user.id) ?? user))) {
      return null;
    }
    return { id: user.id, username: user.username, roles: user.roles };
  }

  /** Whether `password` is the current password of the user with this ID. */
  async checkPassword(userId: string, password: string): Promise<boolean> {
    const user = [...(await this.users).values()].find((candidate) => candidate.id === userId);
    return user !== undefined && (await this.verify(user.username, password)) !== null;
  }

  /** Replaces the user's password, in this instance's memory only. */
  async changePassword(userId: string, password: string): Promise<void> {
    this.changedPasswords.set(userId, await hashPassword(password));
  }
}

async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { salt, passwordHash: await scrypt(password, salt, 32) };
}

async function matches(password: string, stored: PasswordHash): Promise<boolean> {
  const hash = await scrypt(password, stored.salt, stored.passwordHash.length);
  return timingSafeEqual(hash, stored.passwordHash);
}

async function hashDemoUsers(): Promise<Map<string, StoredUser>> {
  const entries = await Promise.all(
    DEMO_USERS.map(
      async ({ password, ...user }) => [user.username, { ...user, ...(await hashPassword(password)) }] as const,
    ),
  );
  return new Map(entries);
}
