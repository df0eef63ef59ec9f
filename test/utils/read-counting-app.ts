import { Controller, Get, HttpCode, type INestApplication, Post, UseGuards } from '@nestjs/common';
import { MemorySessionStore, Session, SessionAuthGuard, SessionModule, type StoredSession } from '../../src';
import { listenFixtureApp } from './fixture-app';
import type { Platform } from './platforms';

/** The fixture's cookie name, set explicitly so the test does not depend on the default's prefix rules. */
export const READ_COUNTING_COOKIE = 'fuzz.sid';

/** A real in-memory store that counts its `get()` calls: the one query a cookie can cause. */
export class ReadCountingStore extends MemorySessionStore {
  reads = 0;

  override async get(idHash: string): Promise<StoredSession | null> {
    this.reads++;
    return super.get(idHash);
  }
}

@Controller()
class ReadCountingController {
  @Get('count')
  count(@Session() session: Session<{ count: number }>): { count: number } {
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    return { count };
  }

  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session): { ok: true } {
    session.login({ id: 'fuzz-user', roles: [] });
    return { ok: true };
  }

  @Get('members')
  @UseGuards(SessionAuthGuard)
  members(@Session() session: Session): { userId: string } {
    return { userId: session.user!.id };
  }
}

/** A fixture app on `platform` whose sessions live in `store`, listening on a free local port. */
export async function startReadCountingApp(
  platform: Platform,
  store: ReadCountingStore,
  secrets: string[],
): Promise<{ app: INestApplication; url: string }> {
  const app = await listenFixtureApp(platform, {
    imports: [
      SessionModule.forRoot({ secret: secrets, store, cookie: { name: READ_COUNTING_COOKIE }, cleanupInterval: 0 }),
    ],
    controllers: [ReadCountingController],
  });
  return { app, url: await app.getUrl() };
}
