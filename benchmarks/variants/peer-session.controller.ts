import {
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  Param,
  Post,
  Req,
  UnauthorizedException,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Request } from 'express';
import session from 'express-session';
import { BENCH_SECRET } from './bench-secret';

declare module 'express-session' {
  interface SessionData {
    user: { id: string; roles: string[] };
    counter: number;
  }
}

/** The peer: express-session, used as NestJS's session docs show, on any of its stores. */
@Controller()
class PeerSessionController {
  @Get('read')
  read(@Req() req: Request): { userId: string; counter: number } {
    const user = authenticated(req);
    return { userId: user.id, counter: req.session.counter ?? 0 };
  }

  @Post('write')
  @HttpCode(200)
  write(@Req() req: Request, @Body() body: { counter?: unknown }): { counter: number } {
    authenticated(req);
    const counter = typeof body?.counter === 'number' ? body.counter : (req.session.counter ?? 0) + 1;
    req.session.counter = counter;
    return { counter };
  }

  // No regenerate(): the login workload comes without a cookie, so there is no old ID to
  // replace, and regenerate() would cost the peer a DELETE that this comparison should not charge.
  @Post('login')
  @HttpCode(200)
  login(@Req() req: Request, @Body() body: { user?: unknown }): { userId: string } {
    const id = typeof body?.user === 'string' ? body.user : 'bench-user';
    req.session.user = { id, roles: [] };
    return { userId: id };
  }

  @Post('mark/:key')
  @HttpCode(200)
  mark(@Req() req: Request, @Param('key') key: string): { key: string } {
    authenticated(req);
    (req.session as unknown as Record<string, unknown>)[key] = true;
    return { key };
  }

  @Get('keys')
  keys(@Req() req: Request): { keys: string[] } {
    authenticated(req);
    return { keys: Object.keys(req.session).filter((key) => key !== 'cookie') };
  }

  /** Uses no session: what the session library costs on a route that does not need it. */
  @Get('plain')
  plain(): { ok: boolean } {
    return { ok: true };
  }
}

function authenticated(req: Request): { id: string; roles: string[] } {
  const user = req.session.user;
  if (!user) {
    throw new UnauthorizedException('You need to log in');
  }
  return user;
}

/** The peer app's express-session store, for the bench's seeding (`app.get(PEER_STORE)`). */
export const PEER_STORE = Symbol('express-session store');

/** The peer's app on `store`: `resave: false`, `saveUninitialized: false`, as NestJS's docs and the stores' READMEs set it. */
export async function createPeerApp(store: session.Store): Promise<INestApplication> {
  @Module({ controllers: [PeerSessionController], providers: [{ provide: PEER_STORE, useValue: store }] })
  class PeerSessionModule {}
  const app = await NestFactory.create(PeerSessionModule, { logger: ['error', 'warn'] });
  app.use(session({ secret: BENCH_SECRET, resave: false, saveUninitialized: false, store }));
  return app;
}
