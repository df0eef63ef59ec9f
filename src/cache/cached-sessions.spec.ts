import { storedSession } from '../testing';
import { CachedSessions } from './cached-sessions';

const NOW = Date.now();
const session = (version: number, data: Record<string, unknown> = {}) =>
  storedSession({ handle: 'h1', version, data, expiresAt: NOW + 60_000 });

describe('CachedSessions', () => {
  let cached: CachedSessions;
  /** A session read twice: the cache keeps what is read a second time. */
  const putRead = (idHash: string, read: ReturnType<typeof session>) => {
    cached.put(idHash, read);
    cached.put(idHash, read);
  };

  beforeEach(() => {
    cached = new CachedSessions(60_000, 100, 60_000);
  });

  it('keeps a session read a second time, not one read once, so sessions seen once never churn it', () => {
    cached.put('id1', session(1));
    expect(cached.get('id1', NOW)).toBeUndefined();
    cached.put('id1', session(1));
    expect(cached.get('id1', NOW)?.version).toBe(1);
  });

  it('keeps the first read of a session this instance created (sighted), not the session itself', () => {
    cached.sighted('id1');
    expect(cached.size).toBe(0);
    cached.put('id1', session(0));
    expect(cached.get('id1', NOW)?.version).toBe(0);
  });

  it('keeps a session this instance has just written at once', () => {
    cached.replace('id1', session(2));
    expect(cached.get('id1', NOW)?.version).toBe(2);
  });

  it('hands out copies: changing one changes nothing cached', () => {
    putRead('id1', session(1, { cart: ['a'] }));
    const copy = cached.get('id1', NOW)!;
    (copy.data.cart as string[]).push('b');
    expect(cached.get('id1', NOW)?.data).toEqual({ cart: ['a'] });
  });

  it('drops the copies older than an announced version, under every ID hash of the session, and keeps newer ones', () => {
    putRead('id1', session(1));
    putRead('id2', session(3));
    cached.changed('h1', 2);
    expect(cached.get('id1', NOW)).toBeUndefined();
    expect(cached.get('id2', NOW)?.version).toBe(3);
  });

  it('does not cache a read older than a version announced while it was on its way', () => {
    cached.changed('h1', 2);
    putRead('id1', session(1));
    expect(cached.get('id1', NOW)).toBeUndefined();
    putRead('id1', session(2));
    expect(cached.get('id1', NOW)?.version).toBe(2);
  });

  it('does not put back, after a write, a session announced gone while the write was on its way back', () => {
    cached.changed('h1', null);
    cached.replace('id2', session(4));
    expect(cached.get('id2', NOW)).toBeUndefined();
  });

  it('does not let an older read replace a newer copy', () => {
    cached.replace('id1', session(5));
    cached.put('id1', session(4));
    expect(cached.get('id1', NOW)?.version).toBe(5);
  });

  it('does not cache a session found by the ID a renewal replaced', () => {
    putRead('old', { ...session(1), previousIdUntil: NOW + 10_000 });
    expect(cached.get('old', NOW)).toBeUndefined();
  });

  it('does not serve a copy that looks expired: the store may have extended it', () => {
    putRead('id1', session(1));
    expect(cached.get('id1', NOW + 60_000)).toBeUndefined();
    expect(cached.size).toBe(0);
  });

  it('forgets everything, announcements included, when cleared', () => {
    putRead('id1', session(1));
    cached.changed('h2', 7);
    cached.clear();
    expect(cached.size).toBe(0);
    putRead('id3', { ...session(1), handle: 'h2' });
    expect(cached.get('id3', NOW)?.version).toBe(1);
  });
});
