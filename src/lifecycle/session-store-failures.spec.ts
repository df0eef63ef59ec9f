import { SessionStoreUnavailableError } from '../core/session.errors';
import type { SessionModuleOptions } from '../module/session-module-options.interface';
import { SessionSigner } from '../core/session-signer';

import { SECRET, fakeResponse, Client, fakeRequest, Harness, alice, useFakeClock } from './lifecycle.harness.fixture';

describe('store failures and tenants', () => {
  useFakeClock();

  describe('store failures', () => {
    it('turns a rejected read into SessionStoreUnavailableError, keeping the cause', async () => {
      const harness = new Harness();
      const cause = new Error('ECONNREFUSED');
      jest.spyOn(harness.store, 'get').mockRejectedValue(cause);
      const failure = harness.manager.load(
        fakeRequest(`__Host-sid=${new SessionSigner([SECRET]).sign(SessionSigner.generateId())}`),
      );
      await expect(failure).rejects.toThrow(SessionStoreUnavailableError);
      await expect(failure).rejects.toMatchObject({ cause });
    });

    it('does not read the store for a request without a valid cookie', async () => {
      const harness = new Harness();
      const get = jest.spyOn(harness.store, 'get').mockRejectedValue(new Error('down'));
      await expect(harness.manager.load(fakeRequest())).resolves.toBeDefined();
      await expect(harness.manager.load(fakeRequest('__Host-sid=forged'))).resolves.toBeDefined();
      expect(get).not.toHaveBeenCalled();
    });

    it.each(['create', 'patch', 'destroy'] as const)(
      'turns a rejected %s into SessionStoreUnavailableError and sets no cookie',
      async (method) => {
        const harness = new Harness();
        if (method !== 'create') {
          await harness.start();
        }
        jest.spyOn(harness.store, method).mockRejectedValue(new Error('down'));
        const request = fakeRequest(harness.cookie);
        const response = fakeResponse();
        const session = await harness.manager.load(request);
        if (method === 'destroy') {
          session.destroy();
        } else {
          session.set('a', 1).regenerate();
        }
        await expect(harness.manager.commit(request, response)).rejects.toThrow(SessionStoreUnavailableError);
        expect(response.setCookies).toEqual([]);
      },
    );

    it('fails with SessionStoreUnavailableError when the store does not answer within storeTimeout', async () => {
      jest.mocked(Date.now).mockRestore();
      const harness = new Harness({ storeTimeout: 50 });
      jest.spyOn(harness.store, 'get').mockReturnValue(new Promise(() => undefined));
      const cookie = `__Host-sid=${new SessionSigner([SECRET]).sign(SessionSigner.generateId())}`;
      const started = Date.now();
      await expect(harness.manager.load(fakeRequest(cookie))).rejects.toThrow(/did not answer within 50 ms/);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('fails a hanging write after storeTimeout as well', async () => {
      jest.mocked(Date.now).mockRestore();
      const harness = new Harness({ storeTimeout: 50 });
      jest.spyOn(harness.store, 'create').mockReturnValue(new Promise(() => undefined));
      const failure = harness.visit((s) => s.set('a', 1));
      await expect(failure).rejects.toThrow(SessionStoreUnavailableError);
    });
  });

  describe('tenants', () => {
    const byHeader: Partial<SessionModuleOptions> = {
      tenant: (request) => request.headers['x-tenant'] as string | undefined,
    };
    const ACME: Client = { headers: { 'x-tenant': 'acme' } };
    const GLOBEX: Client = { headers: { 'x-tenant': 'globex' } };

    it('stores the session under the hash of tenant and ID, not of the ID alone', async () => {
      const harness = new Harness(byHeader);
      const create = jest.spyOn(harness.store, 'create');
      const { session } = await harness.browser(ACME).visit((s) => s.set('a', 1));
      expect(session.tenant).toBe('acme');
      const [idHash, stored] = create.mock.calls[0];
      expect(idHash).toBe(SessionSigner.hashId(session.id, 'acme'));
      expect(idHash).not.toBe(SessionSigner.hashId(session.id));
      expect(stored.tenant).toBe('acme');
      expect(await harness.store.get(SessionSigner.hashId(session.id))).toBeNull();
    });

    it('serves a cookie on the tenant that issued it and treats it as anonymous on another', async () => {
      const harness = new Harness(byHeader);
      const onAcme = harness.browser(ACME);
      await onAcme.visit((s) => s.login(alice).set('cart', ['x']));
      const get = jest.spyOn(harness.store, 'get');
      const elsewhere = await harness.browser(GLOBEX, onAcme.cookie).visit();
      expect(elsewhere.session.isNew).toBe(true);
      expect(elsewhere.session.user).toBeNull();
      expect(elsewhere.session.toJSON()).toEqual({});
      expect(elsewhere.session.tenant).toBe('globex');
      expect(get).toHaveBeenCalledTimes(1);
      const home = await onAcme.visit();
      expect(home.session.isNew).toBe(false);
      expect(home.session.user).toEqual(alice);
      expect(home.session.get('cart')).toEqual(['x']);
      expect(harness.store.size).toBe(1);
    });

    it("does not clear the cookie of another tenant (a cookie shared across the tenants' hosts)", async () => {
      const harness = new Harness(byHeader);
      const onAcme = harness.browser(ACME);
      await onAcme.visit((s) => s.login(alice));
      const elsewhere = await harness.browser(GLOBEX, onAcme.cookie).visit();
      expect(elsewhere.setCookie).toBeUndefined();
      expect((await onAcme.visit()).session.user).toEqual(alice);
    });

    it('treats a cookie issued without a tenant as anonymous on a tenant', async () => {
      const plain = new Harness();
      await plain.start({ a: 1 });
      const tenanted = new Harness(byHeader, plain.store);
      expect((await tenanted.browser(ACME, plain.cookie).visit()).session.isNew).toBe(true);
    });

    it.each([null, undefined, ''])('treats a resolver answer of %p as no tenant', async (answer) => {
      const harness = new Harness({ tenant: () => answer });
      const session = await harness.start({ a: 1 });
      expect(session.tenant).toBe('');
      expect(await harness.store.get(SessionSigner.hashId(session.id))).not.toBeNull();
      expect((await new Harness({}, harness.store).visit(undefined, harness.cookie)).session.get('a')).toBe(1);
    });
  });
});
