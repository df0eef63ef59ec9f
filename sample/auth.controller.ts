import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Roles, Session, SessionAuthGuard } from '../src';
import { logIn } from './log-in';
import { SampleSessionData } from './sample-session';
import { SampleUser, UsersService } from './users.service';

@Controller()
export class AuthController {
  constructor(private readonly users: UsersService) {}

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Session() session: Session<SampleSessionData>): Promise<{ user: SampleUser }> {
    const user = await logIn(this.users, body, session);
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
