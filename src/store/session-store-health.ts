import { Injectable, Logger } from '@nestjs/common';

/** An outage in progress: since when (epoch ms), how many calls failed, the last call started before it was seen. */
interface Outage {
  since: number;
  failures: number;
  lastCallBeforeFailure: number;
}

/**
 * Whether the session store answers, so that an outage is logged twice, not once per failed call
 * (a 10 s outage under load had written 30,000 lines): at its start, as an error with the reason,
 * and at its end, as a warning with its duration and how many calls failed. One per
 * `SessionModule`, shared by everything that calls the store; two apps in a process have one each.
 */
@Injectable()
export class SessionStoreHealth {
  private readonly logger = new Logger('SessionStore');
  private outage?: Outage;
  private calls = 0;

  /** A store call starts; pass what this returns to {@link answered}. */
  callStarted(): number {
    return ++this.calls;
  }

  /**
   * The store answered the call numbered `call` (an answer that is an error of the store's
   * contract, such as a refused login, counts). This ends an outage only when the call started
   * after the latest failure: calls already under way say nothing about recovery.
   */
  answered(call: number): void {
    if (this.outage === undefined || call <= this.outage.lastCallBeforeFailure) {
      return;
    }
    const { since, failures } = this.outage;
    this.outage = undefined;
    const calls = failures === 1 ? '1 call' : `${failures} calls`;
    this.logger.warn(`Session store available again after ${Date.now() - since} ms; ${calls} failed meanwhile`);
  }

  /** A store call failed or timed out for `reason`: the first failure starts an outage and is logged. */
  failed(reason: string): void {
    if (this.outage) {
      this.outage.failures++;
      this.outage.lastCallBeforeFailure = this.calls;
      return;
    }
    this.outage = { since: Date.now(), failures: 1, lastCallBeforeFailure: this.calls };
    this.logger.error(`Session store unavailable: ${reason} (further failures are counted until it answers again)`);
  }
}
