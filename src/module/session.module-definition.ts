import { ConfigurableModuleBuilder, type ConfigurableModuleOptionsFactory, type Provider } from '@nestjs/common';
import type { SessionModuleOptions } from './session-module-options.interface';

/**
 * `forRoot` / `forRootAsync` (with `imports`, `inject`, `useFactory`, `useClass` or `useExisting`,
 * `extraProviders`), and `isGlobal` (default `true`: the guard, `@Session()` and the services work
 * in every module).
 */
export const {
  ConfigurableModuleClass: ConfigurableSessionModule,
  MODULE_OPTIONS_TOKEN: SESSION_RAW_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SessionModuleOptions>({ moduleName: 'Session' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSessionOptions')
  .setExtras({ isGlobal: true, extraProviders: [] as Provider[] }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    providers: [...(definition.providers ?? []), ...extras.extraProviders],
  }))
  .build();

/** Options of `SessionModule.forRoot()`: the {@link SessionModuleOptions}, plus `isGlobal` and `extraProviders`. */
export type SessionModuleRootOptions = typeof OPTIONS_TYPE;

/** Options of `SessionModule.forRootAsync()`. */
export type SessionModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

/** Implemented by a class given to `forRootAsync({ useClass })`. */
export type SessionOptionsFactory = ConfigurableModuleOptionsFactory<SessionModuleOptions, 'createSessionOptions'>;
