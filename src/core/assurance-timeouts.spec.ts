import {
  NIST_AAL2_TIMEOUTS,
  NIST_AAL3_TIMEOUTS,
  NIST_ASSURANCE_TIMEOUTS,
  resolveAssuranceTimeouts,
} from './assurance-timeouts';
import { absoluteExpiryOf, idleTimeoutOf, isExtensionDue, nextExpiryOf, type SessionTimeouts } from './expiry';
import { NOW, record } from './request-session.fixture';
import { HOUR, MINUTE, RESERVED_AUTH_KEY } from './session.constants';
import { SessionConfigurationError } from './session.errors';
import type { StoredSession } from '../store/stored-session.interface';

const MODULE: SessionTimeouts = {
  idleTimeout: 24 * HOUR,
  absoluteTimeout: 7 * 24 * HOUR,
  assuranceTimeouts: resolveAssuranceTimeouts(NIST_ASSURANCE_TIMEOUTS),
};

/** A session created at NOW whose latest proof, at `provedAt`, carries `level`. */
function provedAt(provedAt: number, level: string | null, lifetime: number | null = null): StoredSession {
  const session = record({
    __user: { id: 'u', roles: [] },
    [RESERVED_AUTH_KEY]: { at: provedAt, method: 'password', level },
  });
  session.lifetime = lifetime;
  session.absoluteExpiresAt = absoluteExpiryOf(session, NOW, MODULE);
  return session;
}

describe('timeout profiles per assurance level', () => {
  it("hold NIST SP 800-63B-4's limits", () => {
    expect(NIST_AAL2_TIMEOUTS).toEqual({ idleTimeout: HOUR, absoluteTimeout: 24 * HOUR });
    expect(NIST_AAL3_TIMEOUTS).toEqual({ idleTimeout: 15 * MINUTE, absoluteTimeout: 12 * HOUR });
    expect(NIST_ASSURANCE_TIMEOUTS).toEqual({ aal2: NIST_AAL2_TIMEOUTS, aal3: NIST_AAL3_TIMEOUTS });
  });

  it("use the level's idle timeout", () => {
    expect(nextExpiryOf(provedAt(NOW, 'aal2'), NOW, MODULE)).toBe(NOW + HOUR);
    expect(nextExpiryOf(provedAt(NOW, 'aal3'), NOW, MODULE)).toBe(NOW + 15 * MINUTE);
    expect(idleTimeoutOf(provedAt(NOW, 'aal3'), MODULE)).toBe(15 * MINUTE);
  });

  it("end the session at most the level's absolute timeout after the proof, however active", () => {
    const aal3 = provedAt(NOW, 'aal3');
    expect(nextExpiryOf(aal3, NOW + 12 * HOUR - 5 * MINUTE, MODULE)).toBe(NOW + 12 * HOUR);
    const aal2 = provedAt(NOW, 'aal2');
    expect(nextExpiryOf(aal2, NOW + 23.5 * HOUR, MODULE)).toBe(NOW + 24 * HOUR);
  });

  it('start over with a later proof (a reauthentication)', () => {
    const reproved = provedAt(NOW + 20 * HOUR, 'aal2');
    expect(nextExpiryOf(reproved, NOW + 23.5 * HOUR, MODULE)).toBe(NOW + 24.5 * HOUR);
  });

  it('never pass the module absolute expiry either', () => {
    const session = provedAt(NOW + 7 * 24 * HOUR - HOUR, 'aal2');
    expect(nextExpiryOf(session, NOW + 7 * 24 * HOUR - 30 * MINUTE, MODULE)).toBe(NOW + 7 * 24 * HOUR);
  });

  it('win over a remember-me lifetime', () => {
    const remembered = provedAt(NOW, 'aal2', 30 * 24 * HOUR);
    expect(nextExpiryOf(remembered, NOW, MODULE)).toBe(NOW + HOUR);
    expect(nextExpiryOf(remembered, NOW + 23.5 * HOUR, MODULE)).toBe(NOW + 24 * HOUR);
  });

  it('leave other levels, no level and no proof to the module timeouts and the lifetime', () => {
    expect(nextExpiryOf(provedAt(NOW, 'aal1'), NOW, MODULE)).toBe(NOW + 24 * HOUR);
    expect(nextExpiryOf(provedAt(NOW, null), NOW, MODULE)).toBe(NOW + 24 * HOUR);
    expect(nextExpiryOf(provedAt(NOW, 'constructor'), NOW, MODULE)).toBe(NOW + 24 * HOUR);
    expect(nextExpiryOf(provedAt(NOW, 'aal1', 30 * 24 * HOUR), NOW, MODULE)).toBe(NOW + 30 * 24 * HOUR);
    const anonymous = record();
    anonymous.absoluteExpiresAt = NOW + 7 * 24 * HOUR;
    expect(nextExpiryOf(anonymous, NOW, MODULE)).toBe(NOW + 24 * HOUR);
  });

  it('apply nothing when the option is left out', () => {
    const { assuranceTimeouts: _, ...withoutProfiles } = MODULE;
    expect(nextExpiryOf(provedAt(NOW, 'aal3'), NOW, withoutProfiles)).toBe(NOW + 24 * HOUR);
  });

  it("move a rolling expiry once a quarter of the level's idle timeout has passed", () => {
    const session = provedAt(NOW, 'aal3');
    session.expiresAt = NOW + 15 * MINUTE;
    const at = (minutes: number) => NOW + minutes * MINUTE;
    expect(isExtensionDue(session, nextExpiryOf(session, at(3), MODULE), MODULE)).toBe(false);
    expect(isExtensionDue(session, nextExpiryOf(session, at(4), MODULE), MODULE)).toBe(true);
  });

  describe('the assuranceTimeouts option', () => {
    it.each([
      [[NIST_AAL2_TIMEOUTS], '`assuranceTimeouts` must be an object'],
      [{ aal2: { idleTimeout: 0, absoluteTimeout: HOUR } }, '`assuranceTimeouts.aal2.idleTimeout` must be a positive'],
      [{ aal3: { idleTimeout: HOUR } }, '`assuranceTimeouts.aal3.absoluteTimeout` must be a positive'],
      [{ aal2: null }, '`assuranceTimeouts.aal2.idleTimeout`'],
      [{ aal2: { idleTimeout: Infinity, absoluteTimeout: HOUR } }, '`assuranceTimeouts.aal2.idleTimeout`'],
    ])('refuses %j, naming the problem', (option, message) => {
      expect(() => resolveAssuranceTimeouts(option as never)).toThrow(SessionConfigurationError);
      expect(() => resolveAssuranceTimeouts(option as never)).toThrow(message);
    });

    it('is empty when left out', () => {
      expect(resolveAssuranceTimeouts(undefined).size).toBe(0);
    });
  });
});
