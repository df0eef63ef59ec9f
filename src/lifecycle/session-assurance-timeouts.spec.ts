import { NIST_ASSURANCE_TIMEOUTS } from '../core/assurance-timeouts';
import { DAY, MINUTE, START, Harness, alice, useFakeClock } from './lifecycle.harness.fixture';

const HOUR = 60 * MINUTE;

describe('timeout profiles per assurance level, through a request', () => {
  const clock = useFakeClock();
  const harness = () => new Harness({ assuranceTimeouts: NIST_ASSURANCE_TIMEOUTS });

  it('an AAL3 login stores the 15-minute idle expiry, and the session idles out after it', async () => {
    const server = harness();
    const { session } = await server.visit((s) => s.login(alice, { level: 'aal3' }));
    expect((await server.stored(session))?.expiresAt).toBe(START + 15 * MINUTE);
    clock.now += 16 * MINUTE;
    expect((await server.visit()).session.user).toBeNull();
  });

  it('an active AAL2 session ends 24 h after its proof; a reauthentication restarts the count', async () => {
    const server = harness();
    await server.visit((s) => s.login(alice, { level: 'aal2' }));
    for (let hours = 0.5; hours < 24; hours += 0.5) {
      clock.now = START + hours * HOUR;
      expect((await server.visit()).session.user).toEqual(alice);
    }
    clock.now = START + 24 * HOUR;
    expect((await server.visit()).session.user).toBeNull();

    await server.visit((s) => s.login(alice, { level: 'aal2' }));
    const loggedInAt = clock.now;
    clock.now = loggedInAt + 30 * MINUTE;
    const { session } = await server.visit((s) => s.reauthenticated({ level: 'aal2' }));
    expect((await server.stored(session))?.expiresAt).toBe(clock.now + HOUR);
    for (let hours = 1; hours <= 24; hours += 0.5) {
      clock.now = loggedInAt + hours * HOUR;
      expect((await server.visit()).session.user).toEqual(alice);
    }
    clock.now = loggedInAt + 24.5 * HOUR;
    expect((await server.visit()).session.user).toBeNull();
  });

  it('a level without a profile keeps the module timeouts', async () => {
    const server = harness();
    const { session } = await server.visit((s) => s.login(alice, { level: 'aal1' }));
    expect((await server.stored(session))?.expiresAt).toBe(START + DAY);
  });

  it('a reauthentication at a profiled level shortens the expiry of a session logged in without one', async () => {
    const server = harness();
    await server.visit((s) => s.login(alice));
    clock.now += MINUTE;
    const { session } = await server.visit((s) => s.reauthenticated({ method: 'webauthn', level: 'aal3' }));
    expect((await server.stored(session))?.expiresAt).toBe(clock.now + 15 * MINUTE);
  });
});
