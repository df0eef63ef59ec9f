import { createHash, randomBytes } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Module,
  Param,
  Post,
  Res,
  UnauthorizedException,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Response } from 'express';
import { Pool, type QueryConfig } from 'pg';
import { PEER_POOL_SIZE, type AppConfig } from '../protocol';

/**
 * A yardstick, not a session library: what the least a database-backed session can do costs on
 * Express. One prepared statement per request on a raw pg pool, by the SHA-256 of an unsigned
 * cookie; no signing, no expiry rules, no interceptor or guard. The module's read can at best
 * come close to this one's, so it shows how far `none` is out of reach for any such session.
 */
const COOKIE = 'sid';
const TABLE = 'one_query_session';
const POOL = Symbol('one-query pg pool');
/** For the bench's seeding: the table, and the app's pg pool (`app.get(ONE_QUERY_POOL)`). */
export { COOKIE as ONE_QUERY_COOKIE, POOL as ONE_QUERY_POOL, TABLE as ONE_QUERY_TABLE };

function statement(name: string, text: string, values: unknown[]): QueryConfig {
  return { name, text, values };
}

function idHashOf(cookieHeader: string | undefined): string {
  const match = cookieHeader ? /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(cookieHeader) : null;
  if (!match) {
    throw new UnauthorizedException('You need to log in');
  }
  return createHash('sha256').update(match[1]).digest('hex');
}

@Controller()
class OneQueryController {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  @Get('read')
  async read(@Headers('cookie') cookie: string | undefined): Promise<{ userId: string; counter: number }> {
    const data = await this.dataOf(cookie);
    return { userId: data.userId as string, counter: (data.counter as number | undefined) ?? 0 };
  }

  @Post('write')
  @HttpCode(200)
  async write(
    @Headers('cookie') cookie: string | undefined,
    @Body() body: { counter?: unknown },
  ): Promise<{ counter: number }> {
    // The module's write reads then patches; a client that sends the value needs no read.
    const counter = typeof body?.counter === 'number' ? body.counter : 1;
    await this.setKey(cookie, 'counter', counter);
    return { counter };
  }

  @Post('login')
  @HttpCode(200)
  async login(
    @Body() body: { user?: unknown },
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ userId: string }> {
    const userId = typeof body?.user === 'string' ? body.user : 'bench-user';
    const id = randomBytes(32).toString('base64url');
    await this.pool.query(
      statement(
        'one-query-login',
        `INSERT INTO ${TABLE} (id_hash, data, expires_at) VALUES ($1, $2, now() + interval '1 day')`,
        [createHash('sha256').update(id).digest('hex'), { userId }],
      ),
    );
    response.cookie(COOKIE, id, { httpOnly: true, sameSite: 'lax', path: '/' });
    return { userId };
  }

  @Post('mark/:key')
  @HttpCode(200)
  async mark(@Headers('cookie') cookie: string | undefined, @Param('key') key: string): Promise<{ key: string }> {
    await this.setKey(cookie, key, true);
    return { key };
  }

  @Get('keys')
  async keys(@Headers('cookie') cookie: string | undefined): Promise<{ keys: string[] }> {
    return { keys: Object.keys(await this.dataOf(cookie)).filter((key) => key !== 'userId') };
  }

  @Get('plain')
  plain(): { ok: boolean } {
    return { ok: true };
  }

  private async dataOf(cookieHeader: string | undefined): Promise<Record<string, unknown>> {
    const { rows } = await this.pool.query<{ data: Record<string, unknown> }>(
      statement('one-query-read', `SELECT data FROM ${TABLE} WHERE id_hash = $1 AND expires_at > now()`, [
        idHashOf(cookieHeader),
      ]),
    );
    if (rows.length === 0) {
      throw new UnauthorizedException('You need to log in');
    }
    return rows[0].data;
  }

  private async setKey(cookieHeader: string | undefined, key: string, value: unknown): Promise<void> {
    const { rowCount } = await this.pool.query(
      statement(
        'one-query-write',
        `UPDATE ${TABLE} SET data = data || jsonb_build_object($2::text, $3::jsonb) WHERE id_hash = $1 AND expires_at > now()`,
        [idHashOf(cookieHeader), key, JSON.stringify(value)],
      ),
    );
    if (rowCount === 0) {
      throw new UnauthorizedException('You need to log in');
    }
  }
}

export async function createOneQueryApp(config: AppConfig): Promise<INestApplication> {
  const pool = new Pool({ connectionString: config.databaseUrl, max: PEER_POOL_SIZE });
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (
       id_hash text PRIMARY KEY, data jsonb NOT NULL, expires_at timestamptz NOT NULL
     ) WITH (fillfactor = 80)`,
  );
  @Module({ controllers: [OneQueryController], providers: [{ provide: POOL, useValue: pool }] })
  class OneQueryModule {}
  return NestFactory.create(OneQueryModule, { logger: ['error', 'warn'] });
}
