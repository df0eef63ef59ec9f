import { consumeDbscChallenge, newDbscChallenge, withDbscChallenge } from './dbsc-challenges';

describe('DBSC challenges', () => {
  const now = 1_700_000_000_000;

  it('are random, URL-safe and expire after their lifetime', () => {
    const [a, b] = [newDbscChallenge('refresh', now, 60_000), newDbscChallenge('refresh', now, 60_000)];
    expect(a.value).not.toBe(b.value);
    expect(a.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.expiresAt).toBe(now + 60_000);
  });

  it('are single use: consumed once, then gone', () => {
    const challenge = newDbscChallenge('refresh', now, 60_000);
    const left = consumeDbscChallenge([challenge], challenge.value, 'refresh', now);
    expect(left).toEqual([]);
    expect(consumeDbscChallenge(left!, challenge.value, 'refresh', now)).toBeNull();
  });

  it('are refused once expired, and for the other purpose', () => {
    const challenge = newDbscChallenge('registration', now, 60_000);
    expect(consumeDbscChallenge([challenge], challenge.value, 'registration', now + 60_000)).toBeNull();
    expect(consumeDbscChallenge([challenge], challenge.value, 'refresh', now)).toBeNull();
    expect(consumeDbscChallenge([challenge], 'never-issued', 'registration', now)).toBeNull();
    expect(consumeDbscChallenge([challenge], challenge.value, 'registration', now + 59_999)).toEqual([]);
  });

  it('keep the previous ones pending (a proof may answer an older one), bounded, expired ones dropped', () => {
    const old = newDbscChallenge('refresh', now - 120_000, 60_000);
    let challenges = withDbscChallenge([old], newDbscChallenge('refresh', now, 60_000), now);
    expect(challenges).toHaveLength(1);
    const first = challenges[0];
    for (let i = 0; i < 10; i++) {
      challenges = withDbscChallenge(challenges, newDbscChallenge('refresh', now, 60_000), now);
    }
    expect(challenges).toHaveLength(4);
    expect(challenges.map((c) => c.value)).not.toContain(first.value);
    const previous = challenges[2];
    expect(consumeDbscChallenge(challenges, previous.value, 'refresh', now)).toHaveLength(3);
  });
});
