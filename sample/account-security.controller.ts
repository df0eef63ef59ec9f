import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Post,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { RequireFresh, Session, SessionAuthGuard, SessionService } from '../src';
import { UsersService } from './users.service';

/**
 * Step-up and credential changes: `/reauth` checks the password again, `/sensitive` needs a
 * password check within `SESSION_FRESH_MS` (the module's `freshAge`), and `/password` changes the
 * password and ends the user's other sessions everywhere.
 */
@Controller()
@UseGuards(SessionAuthGuard)
export class AccountSecurityController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
  ) {}

  @Post('reauth')
  @HttpCode(200)
  async reauth(@Body() body: unknown, @Session() session: Session): Promise<{ ok: true }> {
    const { password } = stringFields(body, ['password']);
    if (!(await this.users.checkPassword(session.user!.id, password))) {
      throw new UnauthorizedException('Wrong password');
    }
    session.reauthenticated({ method: 'password' });
    return { ok: true };
  }

  @Post('sensitive')
  @HttpCode(200)
  @RequireFresh()
  sensitive(): { ok: true } {
    return { ok: true };
  }

  @Post('password')
  @HttpCode(200)
  async changePassword(@Body() body: unknown, @Session() session: Session): Promise<{ revoked: number }> {
    const { current, next } = stringFields(body, ['current', 'next']);
    const userId = session.user!.id;
    if (!(await this.users.checkPassword(userId, current))) {
      throw new UnauthorizedException('Wrong current password');
    }
    await this.users.changePassword(userId, next);
    // The current password was just checked: the session's new ID also carries a fresh proof.
    return { revoked: await this.sessions.credentialsChanged(session, { method: 'password' }) };
  }
}

/** The named non-empty string fields of a JSON body; 400 otherwise. */
function stringFields<K extends string>(body: unknown, names: K[]): Record<K, string> {
  const fields = (body ?? {}) as Partial<Record<K, unknown>>;
  for (const name of names) {
    const value = fields[name];
    if (typeof value !== 'string' || value === '') {
      throw new BadRequestException(`Expected a JSON body with ${names.map((n) => `"${n}": string`).join(', ')}`);
    }
  }
  return fields as Record<K, string>;
}
