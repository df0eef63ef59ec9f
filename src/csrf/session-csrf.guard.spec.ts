import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { buildLifecycle, type Lifecycle } from '../lifecycle/lifecycle.fixture';
import { SessionSigner } from '../core/session-signer';
import { RESERVED_CSRF_KEY } from '../core/session.constants';
import { SessionCookies } from '../http/session-cookies';
import { SessionTransport } from '../http/session-transport.decorator';
import type { SessionModuleOptions } from '../module/session-module-options.interface';
import { MemorySessionStore } from '../store/memory-session.store';
import type { StoredSession } from '../store/stored-session.interface';
import type { CsrfRequest } from './csrf-request';
import { deriveCsrfSecret, issueCsrfToken } from './csrf-token';
import { CsrfTokenException } from './csrf-token.exception';
import { SessionCsrfGuard } from './session-csrf.guard';
import { SkipCsrf } from './skip-csrf.decorator';

const SECRET = 'csrf-guard-secret-0123456789-abcdefghij';

class FormsController {
  submit(): void {}

  @SkipCsrf()
  webhook(): void {}

  @SessionTransport('header')
  api(): void {}

  @SessionTransport('both')
  either(): void {}

  @SessionTransport('cookie')
  form(): void {}
}

@SkipCsrf()
class HooksController {
  receive(): void {}

  @SkipCsrf(false)
  checked(): void {}
}

interface Fixture {
  lifecycle: Lifecycle;
  guard: SessionCsrfGuard;
  cookie: string;
  /** A valid token of the stored session. */
  token: string;
}

/** A store holding one session with a CSRF secret, the cookie naming it, and the guard. */
async function fixture(options: Partial<SessionModuleOptions> = {}, data?: StoredSession['data']): Promise<Fixture> {
  const store = new MemorySessionStore();
  const id = SessionSigner.generateId();
  const secret = deriveCsrfSecret(id);
  const now = Date.now();
  await store.create(SessionSigner.hashId(id), {
    handle: SessionSigner.generateHandle(),
    tenant: '',
    data: data ?? { [RESERVED_CSRF_KEY]: secret },
    createdAt: now,
    lastActiveAt: now,
    idIssuedAt: now,
    expiresAt: now + 60_000,
    absoluteExpiresAt: now + 120_000,
    lifetime: null,
    userId: null,
    ip: null,
    userAgent: null,
  });
  const lifecycle = buildLifecycle({ secret: SECRET, ...options }, store);
  const guard = Object.assign(new SessionCsrfGuard(), {
    loader: lifecycle.loader,
    cookies: new SessionCookies(lifecycle.options),
    reflector: new Reflector(),
    options: lifecycle.options,
  });
  return {
    lifecycle,
    guard,
    cookie: `__Host-sid=${new SessionSigner([SECRET]).sign(id)}`,
    token: issueCsrfToken(secret),
  };
}

function contextFor(
  request: CsrfRequest,
  controller: new () => object = FormsController,
  method = 'submit',
  type = 'http',
): ExecutionContext {
  const handler = (controller.prototype as Record<string, () => void>)[method];
  const graphQlArgs = [{}, {}, { req: request }, {}];
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
    switchToWs: () => ({ getClient: () => ({ handshake: { headers: request.headers } }), getData: () => ({}) }),
    getArgs: () => graphQlArgs,
    getArgByIndex: (index: number) => graphQlArgs[index],
    getHandler: () => handler,
    getClass: () => controller,
    getType: () => type,
  } as unknown as ExecutionContext;
}

/** The code of the 403 the guard threw, or 'passed'. */
async function outcome(guard: SessionCsrfGuard, context: ExecutionContext): Promise<string> {
  try {
    expect(await guard.canActivate(context)).toBe(true);
    return 'passed';
  } catch (error) {
    expect(error).toBeInstanceOf(CsrfTokenException);
    expect((error as CsrfTokenException).getStatus()).toBe(403);
    return (error as CsrfTokenException).code;
  }
}

describe('SessionCsrfGuard', () => {
  it('passes safe methods, with or without a token', async () => {
    const { guard, cookie } = await fixture();
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'get']) {
      expect(await outcome(guard, contextFor({ method, headers: { cookie } }))).toBe('passed');
    }
  });

  it('checks POST, PUT, PATCH, DELETE and unknown methods that carry the session cookie', async () => {
    const { guard, cookie, token } = await fixture();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'delete', 'PURGE']) {
      expect(await outcome(guard, contextFor({ method, headers: { cookie } }))).toBe('CSRF_TOKEN_MISSING');
      expect(await outcome(guard, contextFor({ method, headers: { cookie, 'x-csrf-token': token } }))).toBe('passed');
    }
  });

  it('passes a request without a session cookie, without loading any session', async () => {
    const { guard, lifecycle } = await fixture();
    const request: CsrfRequest = { method: 'POST', headers: { cookie: 'theme=dark' } };
    expect(await outcome(guard, contextFor(request))).toBe('passed');
    expect(lifecycle.loaded(request)).toBeUndefined();
  });

  it('answers 403 CSRF_TOKEN_MISSING with the code in the response body', async () => {
    const { guard, cookie } = await fixture();
    const error = await guard.canActivate(contextFor({ method: 'POST', headers: { cookie } })).catch((e: unknown) => e);
    expect((error as CsrfTokenException).getResponse()).toEqual({
      statusCode: 403,
      message: expect.any(String),
      code: 'CSRF_TOKEN_MISSING',
    });
  });

  it('answers CSRF_TOKEN_INVALID to a wrong, malformed or foreign token', async () => {
    const { guard, cookie, token } = await fixture();
    const foreign = issueCsrfToken(deriveCsrfSecret(SessionSigner.generateId()));
    for (const wrong of [
      foreign,
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      'x',
      '',
      '%%%'.repeat(30),
    ]) {
      const request = { method: 'POST', headers: { cookie, 'x-csrf-token': wrong } };
      expect(await outcome(guard, contextFor(request))).toBe('CSRF_TOKEN_INVALID');
    }
  });

  it('shares its load with the route: the session is read once per request', async () => {
    const { guard, cookie, token, lifecycle } = await fixture();
    const request: CsrfRequest = { method: 'POST', headers: { cookie, 'x-csrf-token': token } };
    await guard.canActivate(contextFor(request));
    expect(lifecycle.loaded(request)).toBe(await lifecycle.load(request));
  });

  it('refuses every token for a session that never issued one, or a cookie that names no session', async () => {
    const noSecret = await fixture({}, { cart: [] });
    const request = { method: 'POST', headers: { cookie: noSecret.cookie, 'x-csrf-token': noSecret.token } };
    expect(await outcome(noSecret.guard, contextFor(request))).toBe('CSRF_TOKEN_INVALID');

    const { guard, token } = await fixture();
    const forged = { method: 'POST', headers: { cookie: '__Host-sid=forged', 'x-csrf-token': token } };
    expect(await outcome(guard, contextFor(forged))).toBe('CSRF_TOKEN_INVALID');
  });

  it('reads the body field when the header is absent; the header wins when both came', async () => {
    const { guard, cookie, token } = await fixture();
    const post = (headers: Record<string, string>, body: unknown) =>
      outcome(guard, contextFor({ method: 'POST', headers: { cookie, ...headers }, body }));

    expect(await post({}, { _csrf: token, name: 'x' })).toBe('passed');
    expect(await post({}, { _csrf: 42 })).toBe('CSRF_TOKEN_INVALID');
    expect(await post({}, { other: token })).toBe('CSRF_TOKEN_MISSING');
    expect(await post({}, `_csrf=${token}`)).toBe('CSRF_TOKEN_MISSING');
    expect(await post({ 'x-csrf-token': 'wrong' }, { _csrf: token })).toBe('CSRF_TOKEN_INVALID');
  });

  it('reads the header and field the `csrf` option names', async () => {
    const { guard, cookie, token } = await fixture({ csrf: { header: 'X-XSRF-TOKEN', field: 'authenticity_token' } });
    const post = (headers: Record<string, string>, body?: unknown) =>
      outcome(guard, contextFor({ method: 'POST', headers: { cookie, ...headers }, body }));

    expect(await post({ 'x-xsrf-token': token })).toBe('passed');
    expect(await post({}, { authenticity_token: token })).toBe('passed');
    expect(await post({ 'x-csrf-token': token })).toBe('CSRF_TOKEN_MISSING');
  });

  it('checks nothing with `csrf: false`', async () => {
    const { guard, cookie } = await fixture({ csrf: false });
    expect(await outcome(guard, contextFor({ method: 'POST', headers: { cookie } }))).toBe('passed');
  });

  it('lets @SkipCsrf() routes through, a handler overriding its controller', async () => {
    const { guard, cookie } = await fixture();
    const post = (controller: new () => object, method: string) =>
      outcome(guard, contextFor({ method: 'POST', headers: { cookie } }, controller, method));

    expect(await post(FormsController, 'webhook')).toBe('passed');
    expect(await post(HooksController, 'receive')).toBe('passed');
    expect(await post(HooksController, 'checked')).toBe('CSRF_TOKEN_MISSING');
  });

  it("loads the session the way the route carries it: a cookie route's session in an app whose default is the header", async () => {
    const { guard, cookie, token } = await fixture({ transport: 'header' });
    const request = { method: 'POST', headers: { cookie, 'x-csrf-token': token } };
    expect(await outcome(guard, contextFor(request, FormsController, 'form'))).toBe('passed');
  });

  it('skips sessions carried in Authorization: Bearer, which a forged request cannot set', async () => {
    const { guard, cookie } = await fixture();
    const post = (headers: Record<string, string>, method: string) =>
      outcome(guard, contextFor({ method: 'POST', headers: { cookie, ...headers } }, FormsController, method));

    expect(await post({}, 'api')).toBe('passed');
    expect(await post({ authorization: 'Bearer abc' }, 'either')).toBe('passed');
    expect(await post({}, 'either')).toBe('CSRF_TOKEN_MISSING');
    expect(await post({ authorization: 'Basic abc' }, 'either')).toBe('CSRF_TOKEN_MISSING');

    const headerApp = await fixture({ transport: 'header' } as Partial<SessionModuleOptions>);
    const request = { method: 'POST', headers: { cookie: headerApp.cookie } };
    expect(await outcome(headerApp.guard, contextFor(request))).toBe('passed');
  });

  it('checks GraphQL over HTTP POST, not over GET; skips WebSocket messages and other contexts', async () => {
    const { guard, cookie, token } = await fixture();
    const graphQl = (request: CsrfRequest) => outcome(guard, contextFor(request, FormsController, 'submit', 'graphql'));

    expect(await graphQl({ method: 'POST', headers: { cookie } })).toBe('CSRF_TOKEN_MISSING');
    expect(await graphQl({ method: 'POST', headers: { cookie, 'x-csrf-token': token } })).toBe('passed');
    expect(await graphQl({ method: 'GET', headers: { cookie } })).toBe('passed');
    for (const type of ['ws', 'rpc']) {
      const context = contextFor({ method: 'POST', headers: { cookie } }, FormsController, 'submit', type);
      expect(await outcome(guard, context)).toBe('passed');
    }
  });
});
