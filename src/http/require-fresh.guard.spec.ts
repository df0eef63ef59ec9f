import { type ExecutionContext, HttpException, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RequireFresh } from './require-fresh.decorator';
import { REAUTHENTICATION_REQUIRED, ReauthenticationRequiredException } from './reauthentication-required.exception';
import { SessionAuthGuard } from './session-auth.guard';
import { Roles } from './roles.decorator';
import { buildLifecycle } from '../lifecycle/lifecycle.fixture';
import { SessionSigner } from '../core/session-signer';
import { SessionConfigurationError } from '../core/session.errors';
import type { SessionHttpRequest } from './platform/http-platform';
import { MemorySessionStore } from '../store/memory-session.store';

const SECRET = 'fresh-secret-0123456789-abcdefghijklmno';
const NOW = 1_700_000_000_000;
const MINUTE = 60_000;

class Account {
  @RequireFresh(10 * MINUTE)
  changeEmail(): void {}

  @RequireFresh()
  closeAccount(): void {}

  @RequireFresh(MINUTE)
  @Roles('admin')
  wipe(): void {}

  profile(): void {}
}

@RequireFresh(5 * MINUTE)
class Billing {
  pay(): void {}

  @RequireFresh(30 * MINUTE)
  invoices(): void {}
}

/** Runs the guard on `controller.method` for a session whose data is `data`, with the module's `freshAge`. */
async function decide(data: Record<string, unknown>, controller: new () => object, method: string, freshAge?: number) {
  const store = new MemorySessionStore();
  const id = SessionSigner.generateId();
  await store.create(SessionSigner.hashId(id), {
    handle: SessionSigner.generateHandle(),
    tenant: '',
    data,
    createdAt: NOW,
    lastActiveAt: NOW,
    idIssuedAt: NOW,
    expiresAt: NOW + 60 * MINUTE,
    absoluteExpiresAt: NOW + 120 * MINUTE,
    lifetime: null,
    userId: (data.__user as { id: string } | undefined)?.id ?? null,
    ip: null,
    userAgent: null,
  });
  const lifecycle = buildLifecycle({ secret: SECRET, freshAge }, store);
  const guard = Object.assign(new SessionAuthGuard(lifecycle.loader, new Reflector()), {
    committer: lifecycle.committer,
    options: lifecycle.options,
  });
  const request: SessionHttpRequest = { headers: { cookie: `__Host-sid=${new SessionSigner([SECRET]).sign(id)}` } };
  const handler = (controller.prototype as Record<string, () => void>)[method];
  const context = (type = 'http') =>
    ({
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
      getHandler: () => handler,
      getClass: () => controller,
      getType: () => type,
    }) as unknown as ExecutionContext;
  return guard.canActivate(context()).then(
    (allowed) => allowed,
    (error: unknown) => error,
  );
}

const user = { id: 'u-1', roles: ['user'] };
const provedAgo = (ms: number, roles = user.roles) => ({
  __user: { ...user, roles },
  __auth: { at: NOW - ms, method: 'password', level: null },
});

describe('SessionAuthGuard with @RequireFresh()', () => {
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
  afterEach(() => jest.restoreAllMocks());

  it('lets a user through whose last proof is recent enough', async () => {
    expect(await decide(provedAgo(10 * MINUTE), Account, 'changeEmail')).toBe(true);
  });

  it('refuses an older proof with 403 and the code REAUTHENTICATION_REQUIRED', async () => {
    const error = await decide(provedAgo(10 * MINUTE + 1), Account, 'changeEmail');
    expect(error).toBeInstanceOf(ReauthenticationRequiredException);
    expect((error as HttpException).getStatus()).toBe(403);
    expect((error as HttpException).getResponse()).toEqual({
      statusCode: 403,
      message: expect.any(String),
      code: REAUTHENTICATION_REQUIRED,
    });
  });

  it('refuses a logged-in session without any recorded proof (logged in before proofs were recorded)', async () => {
    expect(await decide({ __user: user }, Account, 'changeEmail')).toBeInstanceOf(ReauthenticationRequiredException);
  });

  it('answers 401, not 403, without a login', async () => {
    const error = await decide({ __auth: { at: NOW, method: 'password', level: null } }, Account, 'changeEmail');
    expect((error as HttpException).getStatus()).toBe(401);
  });

  it('leaves routes without @RequireFresh() alone', async () => {
    expect(await decide(provedAgo(100 * 24 * 60 * MINUTE), Account, 'profile')).toBe(true);
  });

  it("uses the module's freshAge for a bare @RequireFresh(), 5 minutes by default", async () => {
    expect(await decide(provedAgo(5 * MINUTE), Account, 'closeAccount')).toBe(true);
    expect(await decide(provedAgo(5 * MINUTE + 1), Account, 'closeAccount')).toBeInstanceOf(
      ReauthenticationRequiredException,
    );
    expect(await decide(provedAgo(20 * MINUTE), Account, 'closeAccount', 30 * MINUTE)).toBe(true);
    expect(await decide(provedAgo(2 * MINUTE), Account, 'closeAccount', MINUTE)).toBeInstanceOf(
      ReauthenticationRequiredException,
    );
  });

  it("takes the controller's value, and the handler's over it", async () => {
    expect(await decide(provedAgo(6 * MINUTE), Billing, 'pay')).toBeInstanceOf(ReauthenticationRequiredException);
    expect(await decide(provedAgo(20 * MINUTE), Billing, 'invoices')).toBe(true);
  });

  it('checks roles first: a missing role is the plain 403, which no reauthentication cures', async () => {
    const error = await decide(provedAgo(2 * MINUTE), Account, 'wipe');
    expect((error as HttpException).getStatus()).toBe(403);
    expect(error).not.toBeInstanceOf(ReauthenticationRequiredException);
    expect(await decide(provedAgo(2 * MINUTE, ['admin']), Account, 'wipe')).toBeInstanceOf(
      ReauthenticationRequiredException,
    );
  });

  it.each([0, -1, NaN, Infinity, '300' as unknown as number])('@RequireFresh(%p) fails at start-up', (maxAge) => {
    expect(() => RequireFresh(maxAge)).toThrow(SessionConfigurationError);
  });
});

describe('SessionAuthGuard with @RequireFresh() on a WebSocket gateway', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.restoreAllMocks());

  it('denies with false instead of an HTTP exception (and lets a fresh proof through)', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    const guard = new SessionAuthGuard(undefined, new Reflector());
    const session = { user, record: { data: provedAgo(11 * MINUTE) } };
    Object.assign(guard, { loader: { load: () => Promise.resolve(session) } });
    const context = {
      switchToWs: () => ({ getClient: () => ({ handshake: { headers: {} } }), getData: () => undefined }),
      switchToHttp: () => ({ getRequest: () => undefined, getResponse: () => undefined }),
      getArgs: () => [{ handshake: { headers: {} } }],
      getArgByIndex: (index: number) => [{ handshake: { headers: {} } }][index],
      getHandler: () => Account.prototype.changeEmail,
      getClass: () => Account,
      getType: () => 'ws',
    } as unknown as ExecutionContext;
    await expect(guard.canActivate(context)).resolves.toBe(false);
    session.record.data = provedAgo(9 * MINUTE);
    await expect(guard.canActivate(context)).resolves.toBe(true);
  });
});
