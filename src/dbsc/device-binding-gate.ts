import { getCookieHeader, type SessionHttpRequest } from '../http/platform/http-platform';
import type { ResolvedSessionOptions } from '../module/session-options';
import type { StoredSession } from '../store/stored-session.interface';
import { dbscBindingOf } from './dbsc-record';
import { DeviceCookie } from './device-cookie';

/**
 * Enforcement: a device-bound session serves a request only with its short-lived cookie (whatever
 * carried the session ID), unless `allowUnbound`. Unbound sessions pass, as without DBSC.
 */
export class DeviceBindingGate {
  private readonly cookie: DeviceCookie | null;
  private readonly allowUnbound: boolean;

  constructor(options: Pick<ResolvedSessionOptions, 'secrets' | 'cookie' | 'dbsc'>) {
    this.cookie = options.dbsc ? new DeviceCookie(options) : null;
    this.allowUnbound = options.dbsc?.allowUnbound ?? false;
  }

  /** Whether `stored` may serve `request` as far as its device binding goes. */
  admits(stored: StoredSession, request: SessionHttpRequest, now: number): boolean {
    if (this.cookie === null || this.allowUnbound) {
      return true;
    }
    const binding = dbscBindingOf(stored.data);
    return binding === null || this.cookie.presentIn(getCookieHeader(request), stored.handle, binding.id, now);
  }
}
