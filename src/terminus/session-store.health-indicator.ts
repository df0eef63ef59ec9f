import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SessionSigner } from '../core/session-signer';
import { BoundedStore } from '../store/bounded-store';

/**
 * What a `down` result says, whatever the failure: health endpoints are often public, and a
 * driver's message may name hosts. The reason goes to the server's log (the `SessionStore` context).
 */
const UNAVAILABLE = 'The session store did not answer (the SessionStore log says why)';

/**
 * A `@nestjs/terminus` health indicator for the session store: `up` when the store answers a read
 * within the module's `storeTimeout`, else `down`. Add it to the providers of the module that holds
 * your health controller (next to `TerminusModule`; `SessionModule` must be visible there, as it is
 * when global):
 *
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.sessions.isHealthy('sessions')]);
 * }
 * ```
 *
 * The probe is one read of a session that does not exist (a random ID's hash), through the same
 * bounded path as every request, so a failing probe also starts the outage log of `SessionStore`
 * and an answering one ends it. The result names no ID, hash, secret or connection detail.
 */
@Injectable()
export class SessionStoreHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly store: BoundedStore,
  ) {}

  /**
   * Reads the store once and reports it under `key`: `{ [key]: { status: 'up' } }`, or
   * `{ [key]: { status: 'down', message } }` when it fails or does not answer within `storeTimeout`.
   */
  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const probe = SessionSigner.hashId(SessionSigner.generateId());
    try {
      await this.store.call((store, call) => store.get(probe, call));
      return indicator.up();
    } catch {
      return indicator.down({ message: UNAVAILABLE });
    }
  }
}
