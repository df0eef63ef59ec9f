import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Session, SessionAuthGuard, SessionTokens, SessionTransport } from '../src';
import { logIn } from './log-in';
import { SampleSessionData } from './sample-session';
import { SampleUser, UsersService } from './users.service';

/**
 * `/login`, `/profile` and `/logout` for clients without cookies: the session travels in
 * `Authorization: Bearer <token>`, new and renewed tokens come back in `Session-Token`, and no
 * response here ever sets a cookie (a cookie sent here is ignored).
 */
@Controller('api')
@SessionTransport('header')
export class ApiController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: SessionTokens,
  ) {}

  @Post('login')
  @HttpCode(200)
  async login(
    @Body() body: unknown,
    @Session() session: Session<SampleSessionData>,
  ): Promise<{ token: string; user: SampleUser }> {
    const user = await logIn(this.users, body, session);
    return { token: this.tokens.tokenOf(session), user };
  }

  @Get('profile')
  @UseGuards(SessionAuthGuard)
  profile(@Session() session: Session): { userId: string; username: unknown; roles: string[] } {
    const user = session.user!;
    return { userId: user.id, username: user.username, roles: user.roles };
  }

  @Post('logout')
  @HttpCode(200)
  logout(@Session() session: Session): { ok: true } {
    session.destroy();
    return { ok: true };
  }
}
