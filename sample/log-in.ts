import { BadRequestException, UnauthorizedException } from '@nestjs/common';
import type { Session } from '../src';
import { REMEMBER_ME_MS, type SampleSessionData } from './sample-session';
import type { SampleUser, UsersService } from './users.service';

/** What `POST /login` and `POST /api/login` take. */
export interface LoginBody {
  username: string;
  password: string;
  remember?: boolean;
}

/** The login body, or 400 for a malformed one. */
export function parseLoginBody(body: unknown): LoginBody {
  const { username, password, remember } = (body ?? {}) as Partial<Record<keyof LoginBody, unknown>>;
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new BadRequestException(
      'Expected a JSON body {"username": string, "password": string, "remember"?: boolean}',
    );
  }
  if (remember !== undefined && typeof remember !== 'boolean') {
    throw new BadRequestException('"remember" must be a boolean');
  }
  return { username, password, remember };
}

/**
 * What `POST /login` and `POST /api/login` do: check the body and the password, then log the
 * session in (a new ID; a password proof for `/sensitive`) for 30 days with `remember`, or for the
 * module's timeouts. 400 for a malformed body, 401 for wrong credentials.
 */
export async function logIn(
  users: UsersService,
  body: unknown,
  session: Session<SampleSessionData>,
): Promise<SampleUser> {
  const { username, password, remember } = parseLoginBody(body);
  const user = await users.verify(username, password);
  if (!user) {
    throw new UnauthorizedException('Wrong username or password');
  }
  session.login({ id: user.id, username: user.username, roles: user.roles }, { method: 'password' });
  session.setLifetime(remember ? REMEMBER_ME_MS : null);
  return user;
}
