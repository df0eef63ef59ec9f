import { Controller, Get, HttpCode, type INestApplication, Module, Post, Query, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import connectPgSimple from 'connect-pg-simple';
import type { Request } from 'express';
import expressSession from 'express-session';
import { Pool } from 'pg';
import request from 'supertest';

declare module 'express-session' {
  interface SessionData {
    passport: { user: string };
    cart: string[];
    visits: number;
  }
}

/** The app before the switch: Nest on Express with express-session and connect-pg-simple, as many apps start. */
@Controller()
class LegacyController {
  /** A passport-style login (`req.session.passport.user`), with data beside it; `remember` makes the cookie persistent. */
  @Post('login')
  @HttpCode(200)
  login(@Req() req: Request, @Query('user') user: string, @Query('remember') remember?: string): { ok: true } {
    req.session.passport = { user };
    req.session.cart = ['socks'];
    if (remember) {
      req.session.cookie.maxAge = 30 * 24 * 3_600_000;
    }
    return { ok: true };
  }

  @Get('counter')
  counter(@Req() req: Request): { visits: number } {
    req.session.visits = (req.session.visits ?? 0) + 1;
    return { visits: req.session.visits };
  }
}

@Module({ controllers: [LegacyController] })
class LegacyAppModule {}

/** The express-session app on `databaseUrl`, listening on 127.0.0.1; `close()` stops it and its pool. */
export interface ExpressSessionApp {
  /** Runs a request and answers the `connect.sid=...` pair its response set. */
  cookieFrom(method: 'get' | 'post', path: string): Promise<string>;
  close(): Promise<void>;
}

export async function startExpressSessionApp(databaseUrl: string, secret: string): Promise<ExpressSessionApp> {
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const PgStore = connectPgSimple(expressSession);
  const app: INestApplication = await NestFactory.create(LegacyAppModule, { logger: false });
  app.use(
    expressSession({
      secret,
      resave: false,
      saveUninitialized: false,
      store: new PgStore({ pool, createTableIfMissing: true, pruneSessionInterval: false }),
    }),
  );
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return {
    async cookieFrom(method, path) {
      const response = await request(url)[method](path).expect(200);
      const header = (response.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
      const pair = header.find((line) => line.startsWith('connect.sid='))?.split(';')[0];
      if (!pair) {
        throw new Error(`express-session set no cookie on ${method} ${path}`);
      }
      return pair;
    },
    async close() {
      await app.close();
      await pool.end();
    },
  };
}
