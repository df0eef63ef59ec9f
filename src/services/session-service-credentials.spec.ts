import { Logger } from '@nestjs/common';
import { SessionStateError, SessionStoreUnavailableError } from '../core/session.errors';
import { RequestSession } from '../core/request-session';
import { SessionSigner } from '../core/session-signer';
import { MINUTE, NOW, Fixture } from './session.service.fixture';

/** The request session of the stored session with `handle`, as a handler would get it. */
async function sessionOf(fixture: Fixture, handle: string): Promise<RequestSession> {
  const [stored] = (await fixture.store.listByUser('alice', '', NOW)).filter((summary) => summary.handle === handle);
  const record = { ...stored, data: { __user: { id: 'alice', roles: [] } }, tenant: '' } as never;
  const id = SessionSigner.generateId();
  return new RequestSession(id, SessionSigner.hashId(id), record, { save: jest.fn(), reload: jest.fn() });
}

describe('SessionService.credentialsChanged', () => {
  let fixture: Fixture;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    fixture = new Fixture();
  });

  afterEach(() => jest.restoreAllMocks());

  it("revokes every other session of the user in every tenant, renews this one's ID, and tells how many", async () => {
    const current = await fixture.add({ userId: 'alice' });
    await fixture.add({ userId: 'alice', idle: MINUTE });
    await fixture.add({ userId: 'alice', tenant: 'acme' });
    const bobs = await fixture.add({ userId: 'bob' });
    const session = await sessionOf(fixture, current);
    const id = session.id;
    expect(await fixture.service.credentialsChanged(session)).toBe(2);
    expect(await fixture.handles('alice')).toEqual([current]);
    expect(await fixture.handles('alice', 'acme')).toEqual([]);
    expect(await fixture.handles('bob')).toEqual([bobs]);
    expect(session.id).not.toBe(id);
    expect(session.authentication).toBeNull();
  });

  it('records the proof it is given as a fresh reauthentication', async () => {
    const session = await sessionOf(fixture, await fixture.add({ userId: 'alice' }));
    expect(await fixture.service.credentialsChanged(session, { method: 'password', level: 'aal1' })).toBe(0);
    expect(session.authentication).toEqual({ at: new Date(NOW), method: 'password', level: 'aal1' });
    expect(session.idChanged).toBe(true);
  });

  it('needs a logged-in session', async () => {
    const session = await sessionOf(fixture, await fixture.add({ userId: 'alice' }));
    session.logout();
    await expect(fixture.service.credentialsChanged(session)).rejects.toThrow(SessionStateError);
  });

  it('leaves this session alone when the store fails', async () => {
    const session = await sessionOf(fixture, await fixture.add({ userId: 'alice' }));
    const id = session.id;
    jest.spyOn(fixture.store, 'destroyByUser').mockRejectedValue(new Error('ECONNREFUSED'));
    await expect(fixture.service.credentialsChanged(session)).rejects.toThrow(SessionStoreUnavailableError);
    expect(session.id).toBe(id);
  });
});

describe('SessionService.revokeAll as "account disabled"', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.restoreAllMocks());

  it('without a tenant, ends every session of the user everywhere', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    const fixture = new Fixture();
    await fixture.add({ userId: 'alice' });
    await fixture.add({ userId: 'alice', tenant: 'acme' });
    await fixture.add({ userId: 'alice', tenant: 'globex' });
    expect(await fixture.service.revokeAll('alice')).toBe(3);
    for (const tenant of ['', 'acme', 'globex']) {
      expect(await fixture.handles('alice', tenant)).toEqual([]);
    }
  });
});
