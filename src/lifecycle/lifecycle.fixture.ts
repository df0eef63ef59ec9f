import type { ModuleRef } from '@nestjs/core';
import type { RequestSession } from '../core/request-session';
import { SessionEventPublisher } from '../events/session-event-publisher';
import type { SessionHttpRequest } from '../http/platform/http-platform';
import { SessionCookies } from '../http/session-cookies';
import type { SessionModuleOptions } from '../module/session-module-options.interface';
import { resolveSessionOptions, type ResolvedSessionOptions } from '../module/session-options';
import { BoundedStore } from '../store/bounded-store';
import type { SessionStore } from '../store/session-store.interface';
import { SessionStoreHealth } from '../store/session-store-health';
import { RequestStates } from './request-state';
import { SessionCommitter } from './session-committer';
import { SessionLimits } from './session-limits';
import { SessionLoader } from './session-loader';
import { SessionCache } from '../cache/session-cache';
import { SessionWriter } from './session-writer';

/** The request lifecycle wired by hand, as `SessionModule` wires it, for unit tests (not part of the package). */
export interface Lifecycle {
  options: ResolvedSessionOptions;
  cache: SessionCache;
  events: SessionEventPublisher;
  loader: SessionLoader;
  committer: SessionCommitter;
  load(request: SessionHttpRequest, canSetCookie?: boolean): Promise<RequestSession>;
  loaded(request: SessionHttpRequest): RequestSession | undefined;
  commit(request: SessionHttpRequest, response: unknown, afterError?: boolean): Promise<void>;
}

export function buildLifecycle(
  options: Omit<SessionModuleOptions, 'store'>,
  store: SessionStore,
  events = new SessionEventPublisher({} as ModuleRef),
): Lifecycle {
  const resolved = resolveSessionOptions(options);
  const bounded = new BoundedStore(resolved, store, new SessionStoreHealth());
  const cookies = new SessionCookies(resolved);
  const cache = new SessionCache(resolved, store);
  cache.onModuleInit();
  const writer = new SessionWriter(resolved, bounded, events, cache);
  const committer = new SessionCommitter(
    resolved,
    bounded,
    writer,
    new SessionLimits(resolved, bounded, events, cache),
    cookies,
  );
  const loader = new SessionLoader(resolved, bounded, cookies, committer, events, cache);
  return {
    options: resolved,
    cache,
    events,
    loader,
    committer,
    load: (request, canSetCookie) => loader.load(request, canSetCookie),
    loaded: (request) => RequestStates.sessionOf(request),
    commit: (request, response, afterError) => committer.commit(request, response, afterError),
  };
}
