import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { Roles, Session, SessionAuthGuard } from '../src';
import { REMEMBER_ME_MS, SampleSessionData } from './sample-session';
import { SampleUser, UsersService } from './users.service';

interface LoginBody {
  username: string;
  password: string;
  remember?: boolean;
}

@Controller()
export class AuthController {
  constructor(private readonly users: UsersService) {}

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Session() session: Session<SampleSessionData>): Promise<{ user: SampleUser }> {
    const { username, password, remember } = parseLoginBody(body);
    const user = await this.users.verify(username, password);
    if (!user) {
      throw new UnauthorizedException('Wrong username or password');
    }
    session.login({ id: user.id, username: user.username, roles: user.roles });
    session.setLifetime(remember ? REMEMBER_ME_MS : null);
    return { user };
  }

  @Post('logout')
  @HttpCode(200)
  logout(@Session() session: Session): { ok: true } {
    session.destroy();
    return { ok: true };
  }

  @Get('profile')
  @UseGuards(SessionAuthGuard)
  profile(@Session() session: Session): { userId: string; username: unknown; roles: string[] } {
    const user = session.user!;
    return { userId: user.id, username: user.username, roles: user.roles };
  }

  @Get('admin')
  @UseGuards(SessionAuthGuard)
  @Roles('admin')
  admin(): { ok: true } {
    return { ok: true };
  }
}

function parseLoginBody(body: unknown): LoginBody {
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
