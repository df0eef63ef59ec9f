import {
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public } from './public.decorator';
import { Roles } from './roles.decorator';
import { SESSION_FORBIDDEN_MESSAGE, SessionAuthGuard } from './session-auth.guard';
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

  @Roles('admin', 'auditor', { match: 'all' })
  audit(): void {}

  @Public()
  status(): void {}
}

@Roles('admin', 'auditor', { match: 'all' })
class AuditController {
  report(): void {}

  @Roles('viewer', 'editor')
  summary(): void {}
}

@Public()
class OpenController {
  read(): void {}
}

class PlainController {
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
    const { result } = await guard(null, PlainController, 'read');
    expect(await statusOf(result)).toBe(401);
    await expect((await guard(null, PlainController, 'read')).result).rejects.toBeInstanceOf(UnauthorizedException);
  });

  it('answers 401 when there is no session at all', async () => {
    const { result } = await guard(editor, PlainController, 'read', '__Host-sid=forged');
    await expect(result).rejects.toBeInstanceOf(UnauthorizedException);
  });

  it('lets a logged-in user through a handler without roles', async () => {
    await expect((await guard(nobody, PlainController, 'read')).result).resolves.toBe(true);
  });

  it('lets a logged-in user through when @Roles() lists no role', async () => {
    await expect((await guard(nobody, AdminController, 'anyUser')).result).resolves.toBe(true);
  });

  it('answers 403 when the user lacks every role the class asks for', async () => {
    const { result } = await guard(editor, AdminController, 'list');
    await expect(result).rejects.toBeInstanceOf(ForbiddenException);
    await expect((await guard(editor, AdminController, 'list')).result).rejects.toThrow(SESSION_FORBIDDEN_MESSAGE);
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
    const check = () => guardOf(manager).canActivate(contextFor({ headers: { cookie } }, PlainController, 'read'));
    await expect(check()).rejects.toBeInstanceOf(ServiceUnavailableException);
    expect(await statusOf(check())).toBe(503);
  });

  it('names no role in the 403, and logs which ones at debug level without the user ID', async () => {
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const error = await (await guard(editor, AdminController, 'list')).result.catch((caught: unknown) => caught);
    expect((error as HttpException).getResponse()).toEqual({
      statusCode: 403,
      message: SESSION_FORBIDDEN_MESSAGE,
      error: 'Forbidden',
    });
    expect(JSON.stringify((error as HttpException).getResponse())).not.toMatch(/admin|auditor/);
    const logged = debug.mock.calls.map((call) => String(call[0])).join('\n');
    expect(logged).toMatch(/AdminController\.list.*admin, auditor/);
    expect(logged).not.toContain(editor.id);
    debug.mockRestore();
  });

  it('requires every role with { match: "all" }', async () => {
    await expect((await guard(auditor, AdminController, 'audit')).result).rejects.toBeInstanceOf(ForbiddenException);
    const both: SessionUser = { id: 'u-both', roles: ['auditor', 'admin'] };
    await expect((await guard(both, AdminController, 'audit')).result).resolves.toBe(true);
    await expect((await guard(both, AuditController, 'report')).result).resolves.toBe(true);
    await expect((await guard(auditor, AuditController, 'report')).result).rejects.toBeInstanceOf(ForbiddenException);
  });

  it("takes the handler's match along with its roles, not the controller's", async () => {
    await expect((await guard(editor, AuditController, 'summary')).result).resolves.toBe(true);
  });

  it('lets anyone through a @Public() handler or controller without reading the session', async () => {
    for (const [controller, method] of [
      [AdminController, 'status'],
      [OpenController, 'read'],
    ] as const) {
      const { store, cookie } = await storeWithSession(null);
      const read = jest.spyOn(store, 'get');
      const manager = managerOn(store);
      const request: SessionHttpRequest = { headers: { cookie } };
      await expect(guardOf(manager).canActivate(contextFor(request, controller, method))).resolves.toBe(true);
      expect(read).not.toHaveBeenCalled();
      expect(manager.loaded(request)).toBeUndefined();
    }
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

  it('builds a subclass whose constructor takes only its own dependencies', async () => {
    class AuditedGuard extends SessionAuthGuard {
      constructor(readonly audit: string[]) {
        super();
      }
    }
    const { store, cookie } = await storeWithSession(editor);
    const manager = managerOn(store);
    const subclass = Object.assign(new AuditedGuard([]), { loader: manager.loader, reflector: new Reflector() });
    const pending = subclass.canActivate(contextFor({ headers: { cookie } }, AdminController, 'list'));
    await expect(pending).rejects.toBeInstanceOf(ForbiddenException);
  });
});
