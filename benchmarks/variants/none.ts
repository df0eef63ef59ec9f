import { Body, Controller, Get, HttpCode, Module, Param, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '../protocol';

const FIXED_SESSION = { userId: 'bench-user', counter: 0 };

/** The ceiling: the same routes without any session, answering from a fixed object. */
@Controller()
class NoSessionController {
  @Get('read')
  read(): { userId: string; counter: number } {
    return { userId: FIXED_SESSION.userId, counter: FIXED_SESSION.counter };
  }

  @Post('write')
  @HttpCode(200)
  write(@Body() body: { counter?: unknown }): { counter: number } {
    return { counter: typeof body?.counter === 'number' ? body.counter : FIXED_SESSION.counter + 1 };
  }

  @Post('login')
  @HttpCode(200)
  login(@Body() body: { user?: unknown }): { userId: string } {
    return { userId: typeof body?.user === 'string' ? body.user : 'bench-user' };
  }

  @Post('mark/:key')
  @HttpCode(200)
  mark(@Param('key') key: string): { key: string } {
    return { key };
  }

  @Get('keys')
  keys(): { keys: string[] } {
    return { keys: [] };
  }

  @Get('plain')
  plain(): { ok: boolean } {
    return { ok: true };
  }
}

@Module({ controllers: [NoSessionController] })
class NoSessionModule {}

export async function createNoSessionApp(_config: AppConfig): Promise<INestApplication> {
  return NestFactory.create(NoSessionModule, { logger: ['error', 'warn'] });
}

/** The same app on Fastify: the ceiling of the Fastify variants. */
export async function createNoSessionFastifyApp(_config: AppConfig): Promise<INestApplication> {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return NestFactory.create(NoSessionModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
}
