import { randomBytes } from 'node:crypto';
import type { RequestSession } from '../core/request-session';
import { buildLifecycle } from '../lifecycle/lifecycle.fixture';
import { fakeRequest, fakeResponse, keptCookie, SECRET, useFakeClock } from '../lifecycle/lifecycle.harness.fixture';
import type { SessionModuleOptions } from '../module/session-module-options.interface';
import { MemorySessionStore } from '../store/memory-session.store';
import { parseEncryptedValue } from './encrypted-value';
import { installEncryption } from './install-encryption';
import { resolveEncryptionOptions } from './encryption-options';
import { SessionCipher } from './session-cipher';

const OLD = randomBytes(32);
const NEW = randomBytes(32);

/** One app instance on the shared raw store, with these keys: requests load, run, commit. */
function instance(raw: MemorySessionStore, keys: Buffer[], options: Partial<SessionModuleOptions> = {}) {
  const encryption = resolveEncryptionOptions({ keys })!;
  const manager = buildLifecycle(
    { secret: SECRET, encryption: { keys }, ...options },
    installEncryption(raw, encryption),
  );
  return async (cookie: string | undefined, handler: (session: RequestSession) => void = () => undefined) => {
    const request = fakeRequest(cookie);
    const response = fakeResponse();
    const session = await manager.load(request);
    handler(session);
    await manager.commit(request, response);
    return { session, cookie: keptCookie(cookie, response.setCookies[0]) };
  };
}

/** The key id of every value the raw store holds for the (only) session. */
async function keyIdsInStore(raw: MemorySessionStore, handle: string): Promise<Record<string, string | undefined>> {
  const [summary] = await raw.listByUser('u-1', '', Date.now());
  expect(summary.handle).toBe(handle);
  const stored = [
    ...(raw as unknown as { sessions: Map<string, { handle: string; data: object }> }).sessions.values(),
  ].find((session) => session.handle === handle)!;
  return Object.fromEntries(
    Object.entries(stored.data).map(([key, value]) => [key, parseEncryptedValue(value)?.keyId]),
  );
}

describe.each([
  ['without the cache', {}],
  ['with the cache', { cache: { ttl: 60_000 } }],
])('key rotation through the request lifecycle, %s', (_name, options) => {
  useFakeClock();

  it('keeps sessions under the old key, rewrites them under the new one on their next write, and drops them with the old key', async () => {
    const raw = new MemorySessionStore();
    const before = instance(raw, [OLD], options);
    const { session: started, cookie } = await before(undefined, (s) => {
      s.login({ id: 'u-1', roles: [] });
      s.set('a', 1);
    });
    const handle = started.record.handle;
    const oldId = SessionCipher.keyIdOf(OLD);
    const newId = SessionCipher.keyIdOf(NEW);
    const underOld = await keyIdsInStore(raw, handle);
    expect(underOld).toMatchObject({ __user: oldId, a: oldId });
    expect(new Set(Object.values(underOld))).toEqual(new Set([oldId]));

    const rotated = instance(raw, [NEW, OLD], options);
    for (let read = 0; read < 3; read += 1) {
      const { session } = await rotated(cookie, (s) => s.get('a'));
      expect(session.user?.id).toBe('u-1');
      expect(session.get('a')).toBe(1);
    }
    // Reads write nothing: the values stay under the old key.
    expect(await keyIdsInStore(raw, handle)).toEqual(underOld);

    await rotated(cookie, (s) => s.set('b', 2));
    const underNew = await keyIdsInStore(raw, handle);
    expect(Object.keys(underNew).sort()).toEqual([...Object.keys(underOld), 'b'].sort());
    expect(new Set(Object.values(underNew))).toEqual(new Set([newId]));

    const newOnly = instance(raw, [NEW], options);
    const { session: after } = await newOnly(cookie, (s) => s.get('a'));
    expect(after.user?.id).toBe('u-1');
    expect(after.get('a')).toBe(1);
  });

  it('never lets a re-encrypting write undo a parallel write of a key it only re-encrypts', async () => {
    const raw = new MemorySessionStore();
    const { cookie } = await instance(
      raw,
      [OLD],
      options,
    )(undefined, (s) => {
      s.login({ id: 'u-1', roles: [] });
      s.set('a', 1);
    });
    const keys = [NEW, OLD];
    const slow = buildLifecycle(
      { secret: SECRET, encryption: { keys }, ...options },
      installEncryption(raw, resolveEncryptionOptions({ keys })!),
    );
    const request = fakeRequest(cookie);
    const session = await slow.load(request);
    // Another request (another instance) changes `a` while this one, which read `a` under the old key, is running.
    await instance(raw, keys, options)(cookie, (s) => s.set('a', 2));
    session.set('b', 3);
    await slow.commit(request, fakeResponse());
    const { session: after } = await instance(raw, keys, options)(cookie);
    expect(after.get('a')).toBe(2);
    expect(after.get('b')).toBe(3);
  });

  it('treats a session under a key no longer configured as anonymous', async () => {
    const raw = new MemorySessionStore();
    const { cookie } = await instance(raw, [OLD], options)(undefined, (s) => s.login({ id: 'u-1', roles: [] }));
    const { session } = await instance(raw, [NEW], options)(cookie);
    expect(session.isAuthenticated).toBe(false);
    expect(session.storedIdHash).toBeNull();
  });
});
