import { MemorySessionStore } from './memory-session.store';
import { NOW, record, patchOf } from './memory-session.store.fixture';

describe('MemorySessionStore', () => {
  let store: MemorySessionStore;

  beforeEach(() => {
    store = new MemorySessionStore();
  });

  describe('deleteExpired', () => {
    it('deletes only the sessions expired at now and returns how many', async () => {
      await store.create('soon', record({}, 100));
      await store.create('exact', record({}, 500));
      await store.create('later', record({}, 1000));
      expect(await store.deleteExpired(NOW + 500, 100)).toBe(2);
      expect(store.size).toBe(1);
      expect(await store.get('soon')).toBeNull();
      expect(await store.get('exact')).toBeNull();
      expect(await store.get('later')).not.toBeNull();
    });

    it('deletes at most limit sessions per call', async () => {
      for (let i = 0; i < 5; i++) {
        await store.create(`h${i}`, record({}, 100));
      }
      await store.create('alive', record({}, 10_000));
      expect(await store.deleteExpired(NOW + 200, 2)).toBe(2);
      expect(store.size).toBe(4);
      expect(await store.deleteExpired(NOW + 200, 2)).toBe(2);
      expect(await store.deleteExpired(NOW + 200, 2)).toBe(1);
      expect(await store.deleteExpired(NOW + 200, 2)).toBe(0);
      expect(store.size).toBe(1);
    });

    it('returns 0 when nothing expired', async () => {
      await store.create('h1', record());
      expect(await store.deleteExpired(NOW, 10)).toBe(0);
      expect(store.size).toBe(1);
    });
  });

  describe('maxSessions', () => {
    it('drops the least recently written session past the bound', async () => {
      store = new MemorySessionStore({ maxSessions: 2 });
      await store.create('first', record());
      await store.create('second', record());
      await store.create('third', record());
      expect(store.size).toBe(2);
      expect(await store.get('first')).toBeNull();
      expect(await store.get('second')).not.toBeNull();
      expect(await store.get('third')).not.toBeNull();
    });

    it('counts a patch as a write, so an active session is kept', async () => {
      store = new MemorySessionStore({ maxSessions: 2 });
      await store.create('first', record({ handle: 'first-handle' }));
      await store.create('second', record({ handle: 'second-handle' }));
      await store.patch('first-handle', patchOf({ set: { touched: true } }), { now: NOW });
      await store.create('third', record());
      expect(await store.get('first')).not.toBeNull();
      expect(await store.get('second')).toBeNull();
    });

    it('defaults to 10 000 sessions', async () => {
      for (let i = 0; i <= 10_000; i++) {
        await store.create(`h${i}`, record({ data: {} }));
      }
      expect(store.size).toBe(10_000);
      expect(await store.get('h0')).toBeNull();
      expect(await store.get('h10000')).not.toBeNull();
    });
  });
});
