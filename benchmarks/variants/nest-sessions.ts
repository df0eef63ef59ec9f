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
import { DataSource } from 'typeorm';
import { SESSION_MIGRATIONS, Session, SessionAuthGuard, SessionModule } from '../../src';
import { PEER_POOL_SIZE, type AppConfig } from '../protocol';
import { BENCH_SECRET } from './bench-secret';

interface BenchData {
  counter: number;
  [key: string]: unknown;
}

/** This module, as its README shows it: `@Session()` and `SessionAuthGuard`. */
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

function benchModule(config: AppConfig, dataSource: DataSource): DynamicModule {
  @Module({})
  class ModuleSessionBenchModule {}
  return {
    module: ModuleSessionBenchModule,
    imports: [SessionModule.forRoot({ secret: BENCH_SECRET, dataSource, cleanupInterval: config.cleanupInterval })],
    controllers: [ModuleSessionController],
  };
}

/** A TypeORM DataSource with the `sessions` table migrated, on a pool as large as the peer's. */
async function openDataSource(config: AppConfig): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: config.databaseUrl,
    migrations: SESSION_MIGRATIONS,
    extra: { max: PEER_POOL_SIZE },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return dataSource;
}

export async function createNestSessionsApp(config: AppConfig): Promise<INestApplication> {
  const dataSource = await openDataSource(config);
  return NestFactory.create(benchModule(config, dataSource), { logger: ['error', 'warn'] });
}

export async function createNestSessionsFastifyApp(config: AppConfig): Promise<INestApplication> {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const dataSource = await openDataSource(config);
  return NestFactory.create(benchModule(config, dataSource), new FastifyAdapter(), { logger: ['error', 'warn'] });
}
