import { SessionValueError } from '../core/session.errors';
import { SessionSigner } from '../core/session-signer';
import { toExportedSession, type ExpressSessionRow } from './express-session-mapping';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const row = (sess: ExpressSessionRow['sess'], expire = NOW + 2 * HOUR): ExpressSessionRow => ({
  sid: 'legacy-id',
  sess,
  expire,
});

describe('toExportedSession', () => {
  it('names the session by the hash of its express-session ID, per tenant', async () => {
    expect((await toExportedSession(row({}), {}, NOW)).idHash).toBe(SessionSigner.hashId('legacy-id'));
    const scoped = await toExportedSession(row({}), { tenant: 'acme' }, NOW);
    expect(scoped.idHash).toBe(SessionSigner.hashId('legacy-id', 'acme'));
    expect(scoped.session.tenant).toBe('acme');
  });

  it('caps a browser-session cookie by the idle timeout and counts the absolute one from the copy', async () => {
    const { session } = await toExportedSession(
      row({ cookie: { originalMaxAge: null, expires: null } }, NOW + 48 * HOUR),
      { idleTimeout: HOUR, absoluteTimeout: 10 * HOUR },
      NOW,
    );
    expect(session).toMatchObject({ lifetime: null, expiresAt: NOW + HOUR, absoluteExpiresAt: NOW + 10 * HOUR });
  });

  it('keeps a persistent cookie persistent, ending with its row', async () => {
    const { session } = await toExportedSession(row({ cookie: { originalMaxAge: 5 * HOUR } }, NOW + 3 * HOUR), {}, NOW);
    expect(session).toMatchObject({ lifetime: 5 * HOUR, expiresAt: NOW + 3 * HOUR, absoluteExpiresAt: NOW + 3 * HOUR });
  });

  it("applies mapData and mapUser, and never lets the data forge the module's reserved keys", async () => {
    const sess = {
      cookie: {},
      passport: { user: '7' },
      theme: 'dark',
      __user: { id: 'admin', roles: ['admin'] },
      __flash: {},
    };
    const plain = await toExportedSession(row(sess), {}, NOW);
    expect(plain.session.data).toEqual({ passport: { user: '7' }, theme: 'dark' });
    expect(plain.session.userId).toBeNull();

    const mapped = await toExportedSession(
      row(sess),
      {
        mapData: ({ theme }) => ({ theme }),
        mapUser: async (s) => ({ id: (s.passport as { user: string }).user, roles: ['member'], name: 'Ann' }),
      },
      NOW,
    );
    expect(mapped.session.data).toEqual({ theme: 'dark', __user: { id: '7', roles: ['member'], name: 'Ann' } });
    expect(mapped.session.userId).toBe('7');
  });

  it('refuses a mapped user without a string id and roles', async () => {
    const bad = { mapUser: () => ({ id: 7 as unknown as string, roles: [] }) };
    await expect(toExportedSession(row({}), bad, NOW)).rejects.toBeInstanceOf(SessionValueError);
  });
});
