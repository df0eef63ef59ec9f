import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, concatMap, from, type Observable } from 'rxjs';
import { SESSION_PARAM_KEY } from '../core/session.constants';
import { toHttpException } from './session-http-errors';
import { RequestStates } from '../lifecycle/request-state';
import { SessionCommitter } from '../lifecycle/session-committer';
import { SessionLoader } from '../lifecycle/session-loader';
import type { SessionHttpRequest } from './platform/http-platform';
import { inMessageScope, transportOf } from './platform/execution-transport';
import { declaredTransportOf } from './session-transport';

/** The calls being intercepted: bound twice to one handler (the class and `@Session()`), it acts once. */
const intercepted = new WeakSet<ExecutionContext>();

/**
 * Bound by `@Session()` to the handlers that take the session (HTTP routes, GraphQL resolvers,
 * WebSocket gateways); bind it yourself with `@UseInterceptors(SessionInterceptor)` to a handler
 * that loads the session some other way. Per request: at most one store read and at most one store
 * write, after the handler and before the response is sent, so the cookie can still be set. When
 * the handler throws, only the plain data changes it made before throwing are committed.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  private readonly logger = new Logger('SessionModule');
  private warnedOfGraphQlContext = false;

  constructor(
    protected readonly loader: SessionLoader,
    protected readonly committer: SessionCommitter,
    protected readonly reflector: Reflector,
  ) {}

  /**
   * A handler that takes no `@Session()`, on a request no guard loaded the session for, gets its
   * own observable back: no promise, no operator, no commit, as if the module were not there.
   */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    const transport = transportOf(context);
    if (!transport || intercepted.has(context) || !this.usesSession(context, transport.request)) {
      return next.handle();
    }
    intercepted.add(context);
    return this.withSession(context, next, transport.request, transport.response);
  }

  /** Loads the session, runs the handler, and commits before the response goes out. */
  private async withSession(
    context: ExecutionContext,
    next: CallHandler,
    request: SessionHttpRequest,
    response: unknown,
  ): Promise<Observable<unknown>> {
    const transport = declaredTransportOf(this.reflector, context);
    const session = await this.loader.load(request, response !== null, transport).catch((error: unknown) => {
      throw toHttpException(error);
    });
    if (response === null) {
      // Activity on a socket keeps its session alive, as requests do: a rolling extension, when one
      // is due, is written before the handler changes anything (HTTP's throttle, and no ID change).
      if (context.getType() === 'ws' && !session.isNew) {
        await this.committer.save(session).catch(() => undefined);
      }
      // WebSocket messages cannot carry a cookie back: the session is read-only there (save() still works).
      if (context.getType<string>() === 'graphql') {
        this.warnOfGraphQlContextWithoutResponse();
      }
      return context.getType() === 'ws' ? inMessageScope(context, request, () => next.handle()) : next.handle();
    }
    // catchError comes first, so it sees the handler's errors only: a failed commit is not tried again.
    return next.handle().pipe(
      catchError((error: unknown) => from(this.commitAfterError(request, response, error))),
      concatMap((body) => from(this.commitBefore(request, response, body))),
    );
  }

  /** Whether this handler needs the session loaded before it runs. */
  protected usesSession(context: ExecutionContext, request: SessionHttpRequest): boolean {
    return (
      RequestStates.sessionOf(request) !== undefined ||
      this.reflector.get<boolean>(SESSION_PARAM_KEY, context.getHandler()) === true
    );
  }

  /** Once: resolvers' session changes would otherwise be dropped without a word. */
  private warnOfGraphQlContextWithoutResponse(): void {
    if (!this.warnedOfGraphQlContext) {
      this.warnedOfGraphQlContext = true;
      this.logger.warn(
        'The GraphQL context has no HTTP response, so changes resolvers make to the session are not saved ' +
          '(only an explicit session.save() is) and no cookie can be set. Put the response in the context: ' +
          'Apollo on Fastify needs `context: (req, reply) => ({ req, reply })`.',
      );
    }
  }

  /** Persists the session before the response goes out; a failed commit is answered with its HTTP error. */
  private async commitBefore<T>(request: SessionHttpRequest, response: unknown, body: T): Promise<T> {
    try {
      await this.committer.commit(request, response);
    } catch (error) {
      throw toHttpException(error);
    }
    return body;
  }

  /**
   * Keeps the plain data changes the handler made before it threw, never a login, logout, role,
   * ID or lifetime change, nor a destroy; the handler's error is what the client sees.
   */
  protected async commitAfterError(request: SessionHttpRequest, response: unknown, error: unknown): Promise<never> {
    try {
      await this.committer.commit(request, response, true);
    } catch {
      // The handler's error takes precedence; the store failure was logged already.
    }
    throw toHttpException(error);
  }
}
