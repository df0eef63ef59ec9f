import {
  Body,
  Controller,
  type DynamicModule,
  Get,
  HttpCode,
  type INestApplication,
  Module,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Session, SessionAuthGuard, SessionModule } from 'nest-sessions';
import { SESSION_MIGRATIONS, SessionEntity, TypeOrmSessionStore } from 'nest-sessions/typeorm';
import { PEER_POOL_SIZE, type AppConfig } from '../protocol';
import { BENCH_SECRET } from './bench-secret';

interface BenchData {
  counter: number;
  [key: string]: unknown;
}

/** This module, as its quick start shows it: `@Session()` and `SessionAuthGuard`. */
@Controller()
class ModuleSessionController {
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
}

/**
 * The quick start's two modules: TypeORM with the session entity and migrations, and
 * `SessionModule.forRoot({ secret, store: TypeOrmSessionStore })` on the app's default DataSource.
 * The pool is as large as the peer's.
 */
function benchModule(config: AppConfig): DynamicModule {
  @Module({})
  class ModuleSessionBenchModule {}
  return {
    module: ModuleSessionBenchModule,
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: config.databaseUrl,
        entities: [SessionEntity],
        migrations: SESSION_MIGRATIONS,
        migrationsRun: true,
        extra: { max: PEER_POOL_SIZE, keepAlive: true },
      }),
      SessionModule.forRoot({
        secret: BENCH_SECRET,
        store: TypeOrmSessionStore,
        cleanupInterval: config.cleanupInterval,
        cleanupBatchSize: config.cleanupBatchSize,
      }),
    ],
    controllers: [ModuleSessionController],
  };
}

export async function createNestSessionsApp(config: AppConfig): Promise<INestApplication> {
  return NestFactory.create(benchModule(config), { logger: ['error', 'warn'] });
}

export async function createNestSessionsFastifyApp(config: AppConfig): Promise<INestApplication> {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return NestFactory.create(benchModule(config), new FastifyAdapter(), { logger: ['error', 'warn'] });
}
