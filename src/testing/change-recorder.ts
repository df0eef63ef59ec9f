import type { SessionChangeListener } from '../store/session-changes.interface';

/** A {@link SessionChangeListener} that records what it hears, for tests to wait on and check. */
export class ChangeRecorder implements SessionChangeListener {
  /** Every change heard, in order: a version, or null for a session gone. */
  readonly changes: Array<{ handle: string; version: number | null }> = [];
  /** How many times `listening()` was called. */
  listenings = 0;
  /** How many times `interrupted()` was called. */
  interruptions = 0;

  changed(handle: string, version: number | null): void {
    this.changes.push({ handle, version });
  }

  listening(): void {
    this.listenings++;
  }

  interrupted(): void {
    this.interruptions++;
  }

  /** The versions heard for the session with this handle, in order (null: gone). */
  versionsOf(handle: string): Array<number | null> {
    return this.changes.filter((change) => change.handle === handle).map((change) => change.version);
  }

  /**
   * Resolves once `condition` holds, checking every few milliseconds; rejects, naming `what`, after
   * `within` ms. The bound only stops a hang: it says nothing of how fast the channel is.
   */
  async until(what: string, condition: () => boolean, within = 10_000): Promise<void> {
    const deadline = Date.now() + within;
    while (!condition()) {
      if (Date.now() > deadline) {
        throw new Error(`Waited ${within} ms for the change channel: ${what}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
