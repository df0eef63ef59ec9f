import { Controller, Delete, Get, NotFoundException, Param, UseGuards } from '@nestjs/common';
import { Session, SessionAuthGuard, SessionService } from '../src';

/** One session as `GET /sessions` shows it. */
interface SessionListing {
  id: string;
  createdAt: string;
  lastActiveAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** "Where am I logged in" and "log out my other devices". The `id`s are opaque handles, never session IDs. */
@Controller('sessions')
@UseGuards(SessionAuthGuard)
export class SessionsController {
  constructor(private readonly sessions: SessionService) {}

  @Get()
  async list(@Session() session: Session): Promise<{ sessions: SessionListing[] }> {
    const listed = await this.sessions.list(session.user!.id, { tenant: session.tenant });
    return {
      sessions: listed.map((info) => ({
        id: info.handle,
        createdAt: info.createdAt.toISOString(),
        lastActiveAt: info.lastActiveAt.toISOString(),
        ip: info.ip,
        userAgent: info.userAgent,
        current: info.handle === session.handle,
      })),
    };
  }

  @Delete('others')
  async revokeOthers(@Session() session: Session): Promise<{ revoked: number }> {
    const revoked = await this.sessions.revokeAll(session.user!.id, { tenant: session.tenant, except: session.handle });
    return { revoked };
  }

  @Delete(':id')
  async revoke(@Param('id') id: string, @Session() session: Session): Promise<{ ok: true }> {
    if (!(await this.sessions.revoke(session.user!.id, id, { tenant: session.tenant }))) {
      throw new NotFoundException('You have no session with this id');
    }
    return { ok: true };
  }
}
