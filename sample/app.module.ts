import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SESSION_MIGRATIONS, SessionEntity, SessionModule } from '../src';
import { AuthController } from './auth.controller';
import { ErrorBodyFilter } from './error-body.filter';
import { SampleConfig } from './sample-config';
import { SessionDemoController } from './session-demo.controller';
import { UsersService } from './users.service';

/** The sample application, wired the way a user would wire the module. */
@Module({})
export class AppModule {
  static register(config: SampleConfig & { databaseUrl: string }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: [SessionEntity],
          migrations: SESSION_MIGRATIONS,
          migrationsRun: true,
          extra: { max: config.poolSize ?? 10, connectionTimeoutMillis: 2000 },
          retryAttempts: 3,
          retryDelay: 500,
        }),
        // The store defaults to a TypeOrmSessionStore on the DataSource that TypeOrmModule registers.
        SessionModule.forRoot({
          secret: config.secrets,
          idleTimeout: config.idleTimeout,
          absoluteTimeout: config.absoluteTimeout,
          cleanupInterval: config.cleanupInterval,
          maxSessionBytes: config.maxSessionBytes,
          storeTimeout: config.storeTimeout,
        }),
      ],
      controllers: [AuthController, SessionDemoController],
      providers: [UsersService, { provide: APP_FILTER, useClass: ErrorBodyFilter }],
    };
  }
}
