import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import type {
  SessionModuleAsyncOptions,
  SessionModuleOptions,
  SessionOptionsFactory,
} from './session-module-options.interface';
import { resolveSessionOptions, type ResolvedSessionOptions } from './session-options';
import { SessionStore } from '../store/session-store.interface';
import { SessionStoreHealth } from '../store/session-store-health';
import { SessionEvents } from '../events/session-events';
import { SessionManager } from '../lifecycle/session-manager';
import { SessionService } from '../services/session.service';
import { SessionInterceptor } from '../http/session.interceptor';
import { SessionAuthGuard } from '../http/session-auth.guard';
import { SessionCleanupService } from '../services/session-cleanup.service';
import { TypeOrmSessionStore } from '../typeorm/typeorm-session.store';

/** The options exactly as given, before defaults and validation. */
const RAW_OPTIONS = 'SESSION:RAW_OPTIONS';

/**
 * Server-side sessions. Import once, in the root module: `SessionModule.forRoot({ secret })`.
 * Global: `@Session()`, `SessionAuthGuard` and `SessionCleanupService` work in every module.
 */
@Global()
@Module({})
export class SessionModule {
  static forRoot(options: SessionModuleOptions): DynamicModule {
    return SessionModule.build([{ provide: RAW_OPTIONS, useValue: options }]);
  }

  static forRootAsync(options: SessionModuleAsyncOptions): DynamicModule {
    return SessionModule.build(createAsyncOptionsProviders(options), options.imports);
  }

  private static build(optionsProviders: Provider[], imports: DynamicModule['imports'] = []): DynamicModule {
    return {
      module: SessionModule,
      global: true,
      imports,
      providers: [
        ...optionsProviders,
        { provide: SESSION_MODULE_OPTIONS, useFactory: resolveSessionOptions, inject: [RAW_OPTIONS] },
        {
          provide: SessionStore,
          useFactory: createStore,
          inject: [RAW_OPTIONS, SESSION_MODULE_OPTIONS, { token: DataSource, optional: true }],
        },
        SessionEvents,
        SessionStoreHealth,
        SessionManager,
        SessionService,
        SessionCleanupService,
        SessionAuthGuard,
        { provide: APP_INTERCEPTOR, useClass: SessionInterceptor },
      ],
      exports: [
        SESSION_MODULE_OPTIONS,
        SessionStore,
        SessionEvents,
        SessionManager,
        SessionService,
        SessionCleanupService,
        SessionAuthGuard,
      ],
    };
  }
}

function createAsyncOptionsProviders(options: SessionModuleAsyncOptions): Provider[] {
  if (options.useFactory) {
    return [{ provide: RAW_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }];
  }
  const factoryClass = options.useClass ?? options.useExisting;
  if (!factoryClass) {
    throw new SessionConfigurationError('SessionModule.forRootAsync() needs useFactory, useClass or useExisting.');
  }
  const factoryProvider: Provider = {
    provide: RAW_OPTIONS,
    useFactory: (factory: SessionOptionsFactory) => factory.createSessionOptions(),
    inject: [factoryClass],
  };
  return options.useClass ? [factoryProvider, options.useClass] : [factoryProvider];
}

/** The given store, else a TypeORM store on the given DataSource, else on the app's default DataSource. */
function createStore(
  options: SessionModuleOptions,
  resolved: ResolvedSessionOptions,
  appDataSource?: DataSource,
): SessionStore {
  if (options.store) {
    return options.store;
  }
  const dataSource = options.dataSource ?? appDataSource;
  if (!dataSource) {
    throw new SessionConfigurationError(
      'SessionModule has no store: pass `store`, or `dataSource`, or import TypeOrmModule.forRoot() so its DataSource can be used.',
    );
  }
  return new TypeOrmSessionStore(dataSource, { queryTimeout: resolved.storeTimeout });
}
