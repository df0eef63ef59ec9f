import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { firstValueFrom, take, toArray } from 'rxjs';
import { SessionEvents } from '../events/session-events';
import { SessionModule } from '../module/session.module';
import { MemorySessionStore } from '../store/memory-session.store';
import { hasChanges } from '../store/session-changes.interface';
import { hasUserIndex } from '../store/session-user-index.interface';
import { SessionStore } from '../store/session-store.interface';
import { readSession } from '../testing/read-session';
import { sessionCookieFor } from '../testing/session-cookie-for';
import { parseEncryptedValue } from './encrypted-value';

const SECRET = 'a-session-secret-of-at-least-32-characters';

describe('SessionModule with encryption', () => {
  it('installs the encrypting store: the app and the testing helpers see values, the store ciphertext', async () => {
    const raw = new MemorySessionStore();
    const moduleRef = await Test.createTestingModule({
      imports: [
        SessionModule.forRoot({
          secret: SECRET,
          store: raw,
          cache: { ttl: 1000 },
          encryption: { keys: [randomBytes(32).toString('base64')] },
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const store = moduleRef.get<SessionStore>(SessionStore);
      expect(store).not.toBe(raw);
      expect([hasUserIndex(store), hasChanges(store)]).toEqual([true, true]);

      const cookie = await sessionCookieFor(moduleRef, {
        user: { id: 'u-1', roles: [] },
        data: { card: 'needle-123' },
      });
      await expect(readSession(moduleRef, cookie)).resolves.toMatchObject({
        user: { id: 'u-1' },
        data: { card: 'needle-123' },
      });
      const [summary] = await raw.listByUser('u-1', '', Date.now());
      const rawSession = [
        ...(raw as unknown as { sessions: Map<string, { handle: string; data: object }> }).sessions.values(),
      ].find((session) => session.handle === summary.handle)!;
      expect(JSON.stringify(rawSession.data)).not.toContain('needle');
      Object.values(rawSession.data).forEach((value) => expect(parseEncryptedValue(value)).not.toBeNull());
    } finally {
      await moduleRef.close();
    }
  });

  it('publishes rejected, reason decryption, for a session whose stored value was tampered with', async () => {
    const raw = new MemorySessionStore();
    const moduleRef = await Test.createTestingModule({
      imports: [
        SessionModule.forRoot({
          secret: SECRET,
          store: raw,
          encryption: { keys: [randomBytes(32).toString('base64')] },
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const cookie = await sessionCookieFor(moduleRef, { user: { id: 'u-1', roles: [] }, data: { a: 1 } });
      const stored = [
        ...(raw as unknown as { sessions: Map<string, { data: Record<string, string> }> }).sessions.values(),
      ][0];
      stored.data.a = stored.data.__user;
      const events = firstValueFrom(moduleRef.get(SessionEvents).events$.pipe(take(1), toArray()));
      await expect(readSession(moduleRef, cookie)).resolves.toBeNull();
      expect(await events).toEqual([
        expect.objectContaining({ type: 'rejected', reason: 'decryption', userId: 'u-1' }),
      ]);
    } finally {
      await moduleRef.close();
    }
  });

  it('refuses a bad key at start-up, naming it by position', async () => {
    const building = Test.createTestingModule({
      imports: [
        SessionModule.forRoot({ secret: SECRET, store: MemorySessionStore, encryption: { keys: ['c2hvcnQ='] } }),
      ],
    }).compile();
    await expect(building).rejects.toThrow('`encryption.keys[0]` decodes to 5 bytes');
  });
});
