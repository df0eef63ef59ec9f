import type { INestApplicationContext } from '@nestjs/common';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionConfigurationError } from '../core/session.errors';
import { SessionSigner } from '../core/session-signer';
import type { ResolvedSessionOptions } from '../module/session-options';
import { SessionStore } from '../store/session-store.interface';

/** What the testing helpers take from an app: the store it uses, its resolved options and a signer of its secrets. */
export interface AppSessionContext {
  store: SessionStore;
  options: ResolvedSessionOptions;
  signer: SessionSigner;
}

/** The app's own session setup, found wherever `SessionModule` was imported; `helper` names the caller in errors. */
export function appSessionContext(app: INestApplicationContext, helper: string): AppSessionContext {
  let store: SessionStore;
  let options: ResolvedSessionOptions;
  try {
    store = app.get<SessionStore>(SessionStore, { strict: false });
    options = app.get<ResolvedSessionOptions>(SESSION_MODULE_OPTIONS, { strict: false });
  } catch (error) {
    throw new SessionConfigurationError(
      `${helper}: the app has no SessionModule. Pass the Nest application (or the TestingModule) whose ` +
        'module imports SessionModule.forRoot() or forRootAsync().',
      { cause: error },
    );
  }
  return { store, options, signer: new SessionSigner(options.secrets) };
}
