import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { Session, SessionAuthGuard, SessionService } from 'nest-sessions';

interface BenchData {
  counter: number;
  [key: string]: unknown;
}

/** This module, as its quick start shows it: `@Session()` and `SessionAuthGuard`. */
@Controller()
export class ModuleSessionController {
  constructor(private readonly sessions: SessionService) {}

  @Get('read')
  @UseGuards(SessionAuthGuard)
  read(@Session() session: Session<BenchData>): { userId: string; counter: number } {
    return { userId: session.user!.id, counter: session.get('counter') ?? 0 };
  }

  @Post('write')
  @HttpCode(200)
  @UseGuards(SessionAuthGuard)
  write(@Session() session: Session<BenchData>, @Body() body: { counter?: unknown }): { counter: number } {
    const counter = typeof body?.counter === 'number' ? body.counter : (session.get('counter') ?? 0) + 1;
    session.set('counter', counter);
    return { counter };
  }

  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session<BenchData>, @Body() body: { user?: unknown }): { userId: string } {
    const id = typeof body?.user === 'string' ? body.user : 'bench-user';
    session.login({ id, roles: [] });
    return { userId: id };
  }

  @Post('mark/:key')
  @HttpCode(200)
  @UseGuards(SessionAuthGuard)
  mark(@Session() session: Session<BenchData>, @Param('key') key: string): { key: string } {
    session.set(key, true);
    return { key };
  }

  @Get('keys')
  @UseGuards(SessionAuthGuard)
  keys(@Session() session: Session<BenchData>): { keys: string[] } {
    return { keys: session.keys() };
  }

  /** Uses no session: what the session library costs on a route that does not need it. */
  @Get('plain')
  plain(): { ok: boolean } {
    return { ok: true };
  }

  // The revocation measurement's routes: a user logs out, or revokes another of their sessions.

  @Post('logout')
  @HttpCode(200)
  @UseGuards(SessionAuthGuard)
  logout(@Session() session: Session<BenchData>): { ok: boolean } {
    session.logout();
    return { ok: true };
  }

  /** The handle of the caller's session, which another of the user's sessions can revoke it by. */
  @Get('handle')
  @UseGuards(SessionAuthGuard)
  handle(@Session() session: Session<BenchData>): { handle: string } {
    return { handle: session.handle };
  }

  @Post('revoke/:handle')
  @HttpCode(200)
  @UseGuards(SessionAuthGuard)
  async revoke(@Session() session: Session<BenchData>, @Param('handle') handle: string): Promise<{ ok: boolean }> {
    if (!(await this.sessions.revoke(session.user!.id, handle, { tenant: session.tenant }))) {
      throw new NotFoundException('No such session');
    }
    return { ok: true };
  }
}
