/**
 * One direction of a network link with a delay: each delivery runs no sooner than its latency after
 * it was pushed, and never before an earlier one, as bytes on one TCP connection arrive in order.
 * With a latency of 0 and nothing waiting, it still runs asynchronously but at once.
 */
export class DelayLine {
  private tail: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Schedules `deliver` `latency` milliseconds from now, after everything pushed before it. */
  push(latency: number, deliver: () => void): void {
    const due = Date.now() + latency;
    this.tail = this.tail
      .then(() => this.waitUntil(due))
      .then(() => {
        if (!this.closed) {
          deliver();
        }
      });
  }

  /** Drops what is still waiting (the link is gone) and lets no timer keep the process alive. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
  }

  private waitUntil(due: number): Promise<void> | void {
    const wait = due - Date.now();
    if (wait <= 0 || this.closed) {
      return;
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, wait);
      this.timers.add(timer);
    });
  }
}
