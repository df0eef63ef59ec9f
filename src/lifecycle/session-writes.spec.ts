import { SessionSigner } from '../core/session-signer';
import { START, EPOCH_EXPIRES, fakeResponse, fakeRequest, Harness, useFakeClock } from './lifecycle.harness.fixture';

describe('the session committer: writes', () => {
  useFakeClock();

  describe('writes', () => {
    it('does not write a loaded session that was only read', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const writes = [
        jest.spyOn(harness.store, 'patch'),
        jest.spyOn(harness.store, 'create'),
        jest.spyOn(harness.store, 'destroy'),
      ];
      const { setCookie } = await harness.visit((s) => {
        s.get('a');
        s.keys();
        s.toJSON();
        s.flashes();
      });
      writes.forEach((write) => expect(write).not.toHaveBeenCalled());
      expect(setCookie).toBeUndefined();
    });

    it('decides that a read writes nothing without hashing the ID again', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const request = fakeRequest(harness.cookie);
      (await harness.manager.load(request)).get('a');
      const hashId = jest.spyOn(SessionSigner, 'hashId');
      await harness.manager.commit(request, fakeResponse());
      expect(hashId).not.toHaveBeenCalled();
      hashId.mockRestore();
    });

    it('patches only the keys that changed or were removed', async () => {
      const harness = new Harness();
      await harness.start({ keep: 'same', change: 1, drop: true });
      const patch = jest.spyOn(harness.store, 'patch');
      const { session } = await harness.visit((s) => s.set('change', 2).set('added', ['x']).delete('drop'));
      expect(patch).toHaveBeenCalledTimes(1);
      const [handle, sent, at] = patch.mock.calls[0];
      expect(handle).toBe(session.handle);
      expect(sent.set).toEqual({ change: 2, added: ['x'] });
      expect(sent.unset).toEqual(['drop']);
      expect(sent.newIdHash).toBeUndefined();
      expect(at.now).toBe(START);
      expect(at.maxBytes).toBe(65_536);
      expect((await harness.stored(session))?.data).toEqual({ keep: 'same', change: 2, added: ['x'] });
    });

    it('does not let two requests that change different keys overwrite each other', async () => {
      const harness = new Harness();
      await harness.start({ a: 0, b: 0 });
      const first = fakeRequest(harness.cookie);
      const second = fakeRequest(harness.cookie);
      const one = await harness.manager.load(first);
      const two = await harness.manager.load(second);
      one.set('a', 1);
      two.set('b', 2);
      await harness.manager.commit(first, fakeResponse());
      await harness.manager.commit(second, fakeResponse());
      expect((await harness.stored(one))?.data).toEqual({ a: 1, b: 2 });
    });

    it('commits only once per request', async () => {
      const harness = new Harness();
      await harness.start();
      const patch = jest.spyOn(harness.store, 'patch');
      const request = fakeRequest(harness.cookie);
      (await harness.manager.load(request)).set('x', 1);
      await harness.manager.commit(request, fakeResponse());
      await harness.manager.commit(request, fakeResponse());
      expect(patch).toHaveBeenCalledTimes(1);
    });

    it('writes nothing more at commit after save() in the handler, but still sets the cookie', async () => {
      const harness = new Harness();
      const create = jest.spyOn(harness.store, 'create');
      const patch = jest.spyOn(harness.store, 'patch');
      const request = fakeRequest();
      const response = fakeResponse();
      const session = await harness.manager.load(request);
      session.set('early', true);
      await session.save();
      expect(create).toHaveBeenCalledTimes(1);
      expect((await harness.stored(session))?.data).toEqual({ early: true });
      await harness.manager.commit(request, response);
      expect(create).toHaveBeenCalledTimes(1);
      expect(patch).not.toHaveBeenCalled();
      expect(response.setCookies).toHaveLength(1);
    });

    it('writes only what changed after a save() in the handler', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const patch = jest.spyOn(harness.store, 'patch');
      await harness.visit(async (s) => {
        s.set('a', 2);
        await s.save();
        s.set('b', 3);
      });
      expect(patch).toHaveBeenCalledTimes(2);
      expect(patch.mock.calls[0][1].set).toEqual({ a: 2 });
      expect(patch.mock.calls[1][1].set).toEqual({ b: 3 });
    });

    it('reload() drops unsaved changes and reads the store again', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const patch = jest.spyOn(harness.store, 'patch');
      const { session } = await harness.visit(async (s) => {
        s.set('a', 2).set('b', 3).delete('started');
        await s.reload();
        expect(s.toJSON()).toEqual({ a: 1 });
      });
      expect(patch).not.toHaveBeenCalled();
      expect((await harness.stored(session))?.data).toEqual({ a: 1 });
    });

    it('reload() sees what another request wrote meanwhile', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const cookie = harness.cookie;
      await harness.visit(async (s) => {
        await new Harness({}, harness.store).visit((other) => other.set('a', 'from elsewhere'), cookie);
        expect(s.get('a')).toBe(1);
        await s.reload();
        expect(s.get('a')).toBe('from elsewhere');
      });
    });

    it('reload() of a session destroyed meanwhile gives it a new ID, so the old one never comes back', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const cookie = harness.cookie;
      const { session } = await harness.visit(async (s) => {
        const oldId = s.id;
        await new Harness({}, harness.store).visit((other) => other.destroy(), cookie);
        await s.reload();
        expect(s.toJSON()).toEqual({});
        expect(s.id).not.toBe(oldId);
        s.set('b', 2);
      });
      expect(harness.cookie).not.toEqual(cookie);
      expect((await harness.stored(session))?.data).toEqual({ b: 2 });
      await harness.visit((s) => expect(s.toJSON()).toEqual({}), cookie);
    });

    it('does not bring back a session destroyed by another request meanwhile', async () => {
      const harness = new Harness();
      await harness.start({ a: 1 });
      const request = fakeRequest(harness.cookie);
      const response = fakeResponse();
      const session = await harness.manager.load(request);
      await new Harness({}, harness.store).visit((other) => other.destroy(), harness.cookie);
      session.set('late', true);
      await harness.manager.commit(request, response);
      expect(harness.store.size).toBe(0);
      expect(response.setCookies[0]).toContain(EPOCH_EXPIRES);
    });

    it('warns instead of failing when the response was already sent', async () => {
      const harness = new Harness();
      const request = fakeRequest();
      const response = fakeResponse();
      response.headersSent = true;
      (await harness.manager.load(request)).set('a', 1);
      await harness.manager.commit(request, response);
      expect(response.setCookies).toEqual([]);
      expect(harness.store.size).toBe(1);
    });
  });
});
