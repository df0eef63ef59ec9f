import { type CallHandler, ConflictException, type ExecutionContext, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, mergeAll, of, throwError } from 'rxjs';
import { SessionInterceptor } from './session.interceptor';
import { Session } from './session.decorator';
import type { Session as SessionValue } from '../core/session.interface';
import { buildLifecycle, type Lifecycle } from '../lifecycle/lifecycle.fixture';
import { SessionLimitExceededError } from '../core/session.errors';
import { MemorySessionStore } from '../store/memory-session.store';

const SECRET = 'interceptor-secret-0123456789-abcdefghij';

class CartResolver {
  add(@Session() session: SessionValue): boolean {
    session.set('cart', ['tea']);
    return true;
  }

  health(): string {
    return 'ok';
  }
}

/** A GraphQL execution context whose context object is `graphQlContext` (resolver args: root, args, context, info). */
function graphQlContext(graphQlContext: object, method: keyof CartResolver): ExecutionContext {
  return {
    getType: () => 'graphql',
    getArgByIndex: (index: number) => [undefined, {}, graphQlContext, {}][index],
    getArgs: () => [undefined, {}, graphQlContext, {}],
    getHandler: () => CartResolver.prototype[method],
    getClass: () => CartResolver,
  } as unknown as ExecutionContext;
}

/** An HTTP execution context for `CartResolver[method]`, on an Express-like response. */
function httpContext(method: keyof CartResolver): ExecutionContext {
  const request = { headers: {} };
  const response = { append: () => undefined, setHeader: () => undefined, headersSent: false };
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    getHandler: () => CartResolver.prototype[method],
    getClass: () => CartResolver,
  } as unknown as ExecutionContext;
}

describe('SessionInterceptor', () => {
  let warn: jest.SpyInstance;
  let interceptor: SessionInterceptor;
  let manager: Lifecycle;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const store = new MemorySessionStore();
    manager = buildLifecycle({ secret: SECRET }, store);
    interceptor = new SessionInterceptor(manager.loader, manager.committer, new Reflector());
  });

  afterEach(() => jest.restoreAllMocks());

  async function run(context: ExecutionContext, body: unknown): Promise<unknown> {
    const next: CallHandler = { handle: () => of(body) };
    return lastValueFrom(await interceptor.intercept(context, next));
  }

  it('hands a handler without @Session() its own observable back: no promise, no operator, no commit', () => {
    const commit = jest.spyOn(manager.committer, 'commit');
    const load = jest.spyOn(manager.loader, 'load');
    const handled = of('ok');

    expect(interceptor.intercept(httpContext('health'), { handle: () => handled })).toBe(handled);

    expect(load).not.toHaveBeenCalled();
    expect(commit).not.toHaveBeenCalled();
  });

  it('acts once when bound twice to one handler (on the gateway class and by @Session())', async () => {
    const commit = jest.spyOn(manager.committer, 'commit');
    const context = httpContext('add');
    const inner: CallHandler = { handle: () => of(true) };
    // As Nest chains interceptors: each one's result, awaited, then flattened.
    const outer: CallHandler = {
      handle: () => from(Promise.resolve(interceptor.intercept(context, inner))).pipe(mergeAll()),
    };

    await expect(lastValueFrom(await interceptor.intercept(context, outer))).resolves.toBe(true);

    expect(commit).toHaveBeenCalledTimes(1);
  });

  describe('committing', () => {
    it('commits once after the handler, and answers a failed commit with its HTTP error without trying again', async () => {
      const commit = jest.spyOn(manager.committer, 'commit').mockRejectedValue(new SessionLimitExceededError(2));

      await expect(run(httpContext('add'), true)).rejects.toBeInstanceOf(ConflictException);

      expect(commit).toHaveBeenCalledTimes(1);
    });

    it('commits what the handler changed before it threw, then passes the handler’s error on', async () => {
      const commit = jest.spyOn(manager.committer, 'commit').mockResolvedValue();
      const failure = new Error('handler failed');
      const next: CallHandler = { handle: () => throwError(() => failure) };

      await expect(lastValueFrom(await interceptor.intercept(httpContext('add'), next))).rejects.toBe(failure);

      expect(commit).toHaveBeenCalledTimes(1);
    });
  });

  describe('a GraphQL context without an HTTP response (Apollo on Fastify keeps only the request)', () => {
    const fastifyRequestOnly = () => ({ req: { headers: {}, ip: '127.0.0.1' } });

    it('warns once, naming the fix, when a resolver uses the session', async () => {
      expect(await run(graphQlContext(fastifyRequestOnly(), 'add'), true)).toBe(true);
      expect(await run(graphQlContext(fastifyRequestOnly(), 'add'), true)).toBe(true);

      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(
        /no HTTP response.*not saved.*context: \(req, reply\) => \(\{ req, reply \}\)/,
      );
    });

    it('stays quiet for resolvers that do not use the session', async () => {
      expect(await run(graphQlContext(fastifyRequestOnly(), 'health'), 'ok')).toBe('ok');

      expect(warn).not.toHaveBeenCalled();
    });
  });

  it('does not warn when the context carries the response (Mercurius’ reply)', async () => {
    const reply = {
      header: () => undefined,
      getHeader: () => undefined,
      removeHeader: () => undefined,
      sent: false,
      raw: { headersSent: false },
    };

    expect(await run(graphQlContext({ req: { headers: {} }, reply }, 'add'), true)).toBe(true);

    expect(warn).not.toHaveBeenCalled();
  });
});
