import {
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Roles } from './roles.decorator';
import { SessionAuthGuard } from './session-auth.guard';
import { buildLifecycle, type Lifecycle } from '../lifecycle/lifecycle.fixture';
import { SessionSigner } from '../core/session-signer';
import type { SessionUser } from '../core/session-user.interface';
import type { SessionHttpRequest } from './platform/http-platform';
import type { StoredSession } from '../store/stored-session.interface';
import { MemorySessionStore } from '../store/memory-session.store';

const SECRET = 'guard-secret-0123456789-abcdefghijklmno';

@Roles('admin', 'auditor')
class AdminController {
  list(): void {}

  @Roles('editor')
  edit(): void {}

  @Roles()
  anyUser(): void {}
}

class OpenController {
  read(): void {}
}

/** A store holding one session, logged in as `user` when given, and the cookie that points at it. */
async function storeWithSession(user: SessionUser | null): Promise<{ store: MemorySessionStore; cookie: string }> {
  const store = new MemorySessionStore();
  const id = SessionSigner.generateId();
  const now = Date.now();
  const record: StoredSession = {
    handle: SessionSigner.generateHandle(),
    tenant: '',
    data: user ? { __user: user } : { cart: [] },
    createdAt: now,
    lastActiveAt: now,
    idIssuedAt: now,
    expiresAt: now + 60_000,
    absoluteExpiresAt: now + 120_000,
    lifetime: null,
    userId: user?.id ?? null,
    ip: null,
    userAgent: null,
  };
  await store.create(SessionSigner.hashId(id), record);
  return { store, cookie: `__Host-sid=${new SessionSigner([SECRET]).sign(id)}` };
}

function managerOn(store: MemorySessionStore): Lifecycle {
  return buildLifecycle({ secret: SECRET }, store);
}

function contextFor(request: SessionHttpRequest, controller: new () => object, method: string): ExecutionContext {
  const handler = (controller.prototype as Record<string, () => void>)[method];
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
    getHandler: () => handler,
    getClass: () => controller,
    getType: () => 'http',
  } as unknown as ExecutionContext;
}

/** The guard as Nest builds it: the committer comes by property injection. */
function guardOf(manager: Lifecycle): SessionAuthGuard {
  return Object.assign(new SessionAuthGuard(manager.loader, new Reflector()), { committer: manager.committer });
}

/** Runs the guard for `controller.method` on a request whose session is logged in as `user` (or not). */
async function guard(user: SessionUser | null, controller: new () => object, method: string, cookie?: string) {
  const { store, cookie: sessionCookie } = await storeWithSession(user);
  const manager = managerOn(store);
  const request: SessionHttpRequest = { headers: { cookie: cookie ?? sessionCookie } };
  const result = guardOf(manager).canActivate(contextFor(request, controller, method));
  return { result, manager, request };
}

async function statusOf(pending: Promise<boolean>): Promise<number> {
  const error = await pending.then(
    () => {
      throw new Error('the guard let the request through');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HttpException);
  return (error as HttpException).getStatus();
}

const editor: SessionUser = { id: 'u-editor', roles: ['editor'] };
const auditor: SessionUser = { id: 'u-auditor', roles: ['viewer', 'auditor'] };
const nobody: SessionUser = { id: 'u-nobody', roles: [] };

describe('SessionAuthGuard', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('answers 401 when the session has no user', async () => {
    const { result } = await guard(null, OpenController, 'read');
    expect(await statusOf(result)).toBe(401);
    await expect((await guard(null, OpenController, 'read')).result).rejects.toBeInstanceOf(UnauthorizedException);
  });

  it('answers 401 when there is no session at all', async () => {
    const { result } = await guard(editor, OpenController, 'read', '__Host-sid=forged');
    await expect(result).rejects.toBeInstanceOf(UnauthorizedException);
  });

  it('lets a logged-in user through a handler without roles', async () => {
    await expect((await guard(nobody, OpenController, 'read')).result).resolves.toBe(true);
  });

  it('lets a logged-in user through when @Roles() lists no role', async () => {
    await expect((await guard(nobody, AdminController, 'anyUser')).result).resolves.toBe(true);
  });

  it('answers 403 when the user lacks every role the class asks for', async () => {
    const { result } = await guard(editor, AdminController, 'list');
    await expect(result).rejects.toBeInstanceOf(ForbiddenException);
    await expect((await guard(editor, AdminController, 'list')).result).rejects.toThrow(/admin, auditor/);
    expect(await statusOf((await guard(nobody, AdminController, 'list')).result)).toBe(403);
  });

  it('lets a user through with any one of the roles asked', async () => {
    await expect((await guard(auditor, AdminController, 'list')).result).resolves.toBe(true);
    await expect((await guard({ id: 'u-admin', roles: ['admin'] }, AdminController, 'list')).result).resolves.toBe(
      true,
    );
  });

  it('uses the handler roles instead of the class roles', async () => {
    await expect((await guard(editor, AdminController, 'edit')).result).resolves.toBe(true);
    await expect((await guard(auditor, AdminController, 'edit')).result).rejects.toBeInstanceOf(ForbiddenException);
  });

  it('leaves the session loaded for the handler to share', async () => {
    const { result, manager, request } = await guard(editor, AdminController, 'edit');
    await result;
    expect(manager.loaded(request)?.user).toEqual(editor);
  });

  it('answers 503 when the store is unavailable', async () => {
    const { store, cookie } = await storeWithSession(editor);
    jest.spyOn(store, 'get').mockRejectedValue(new Error('ECONNREFUSED'));
    const manager = managerOn(store);
    const check = () => guardOf(manager).canActivate(contextFor({ headers: { cookie } }, OpenController, 'read'));
    await expect(check()).rejects.toBeInstanceOf(ServiceUnavailableException);
    expect(await statusOf(check())).toBe(503);
  });

  it('lets a subclass change the role rule', async () => {
    class AllRolesGuard extends SessionAuthGuard {
      protected override hasRole(user: SessionUser, roles: string[]): boolean {
        return roles.every((role) => user.roles.includes(role));
      }
    }
    const { store, cookie } = await storeWithSession(auditor);
    const manager = managerOn(store);
    const pending = new AllRolesGuard(manager.loader, new Reflector()).canActivate(
      contextFor({ headers: { cookie } }, AdminController, 'list'),
    );
    await expect(pending).rejects.toBeInstanceOf(ForbiddenException);
  });
});
