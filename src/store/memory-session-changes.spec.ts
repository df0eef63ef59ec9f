import { Logger } from '@nestjs/common';
import { ChangeRecorder } from '../testing/change-recorder';
import { MemorySessionStore } from './memory-session.store';
import { NOW, patchOf, record } from './memory-session.store.fixture';

/** The memory store's change channel: in-process, shared by every app holding the store object. */
describe('MemorySessionStore change channel', () => {
  const at = { now: NOW };
  let store: MemorySessionStore;
  let recorder: ChangeRecorder;

  beforeEach(async () => {
    store = new MemorySessionStore({ maxSessions: 2 });
    recorder = new ChangeRecorder();
    store.subscribeToChanges(recorder);
    await Promise.resolve();
  });

  it('says listening() once the caller holds the subscription, not from inside subscribeToChanges()', async () => {
    const late = new ChangeRecorder();
    const subscription = store.subscribeToChanges(late);
    expect(late.listenings).toBe(0);
    await Promise.resolve();
    expect(late.listenings).toBe(1);
    await subscription.close();
    const closedAtOnce = new ChangeRecorder();
    await store.subscribeToChanges(closedAtOnce).close();
    await Promise.resolve();
    expect(closedAtOnce.listenings).toBe(0);
  });

  it('delivers a change before the write resolves, to every app sharing the store', async () => {
    const other = new ChangeRecorder();
    store.subscribeToChanges(other);
    await store.create('h1', record());
    const handle = record().handle;
    const patched = store.patch(handle, patchOf({ set: { a: 1 } }), at);
    expect(recorder.versionsOf(handle)).toEqual([1]);
    await patched;
    await store.patch(handle, patchOf({ newIdHash: 'h2' }), at);
    await store.destroy(handle);
    expect(recorder.versionsOf(handle)).toEqual([1, 2, null]);
    expect(other.versionsOf(handle)).toEqual([1, 2, null]);
  });

  it('announces nothing for a create, a patch that did not apply, or an expired session deleted', async () => {
    await store.create('h1', record({}, 1000));
    await store.patch('missing', patchOf({ set: { a: 1 } }), at);
    await expect(store.patch(record().handle, patchOf({ ifVersion: 4 }), at)).rejects.toThrow();
    await store.deleteExpired(NOW + 1000, 10);
    expect(store.size).toBe(0);
    expect(recorder.changes).toEqual([]);
  });

  it('announces a session dropped past maxSessions as gone', async () => {
    await store.create('h1', record({ handle: 'first-handle-of-three1' }));
    await store.create('h2', record({ handle: 'second-handle-of-three' }));
    await store.create('h3', record({ handle: 'third-handle-of-three1' }));
    expect(recorder.changes).toEqual([{ handle: 'first-handle-of-three1', version: null }]);
  });

  it('stores version 0 at create, whatever the session given says', async () => {
    await store.create('h1', record({ version: 7 }));
    expect(await store.get('h1')).toMatchObject({ version: 0 });
  });

  it('delivers nothing to a closed subscription, and goes on past a listener that throws', async () => {
    const closed = new ChangeRecorder();
    await store.subscribeToChanges(closed).close();
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const throwing = new ChangeRecorder();
    throwing.changed = () => {
      throw new Error('listener failed');
    };
    store.subscribeToChanges(throwing);
    await store.create('h1', record());
    await expect(store.patch(record().handle, patchOf({ set: { a: 1 } }), at)).resolves.toBe('h1');
    expect(recorder.versionsOf(record().handle)).toEqual([1]);
    expect(closed.changes).toEqual([]);
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });
});
