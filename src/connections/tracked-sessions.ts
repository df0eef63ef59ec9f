/** One live connection or stream, and the session it was opened under. */
export interface Tracked {
  readonly handle: string;
  readonly userId: string;
  readonly tenant: string;
  /** Closes the connection (or completes the stream). */
  readonly end: () => void;
  timer?: NodeJS.Timeout;
}

/** setTimeout's longest delay (about 24.8 days): a later expiry is checked then, and its timer set again. */
const MAX_DELAY = 2 ** 31 - 1;
/** A session expires strictly after `expiresAt`: the check waits this much longer. */
const EXPIRY_MARGIN = 5;

/** The tracked connections by session handle, with each one's expiry timer. */
export class TrackedSessions {
  private readonly byHandle = new Map<string, Set<Tracked>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(entry: Tracked): Tracked {
    let entries = this.byHandle.get(entry.handle);
    if (!entries) {
      entries = new Set();
      this.byHandle.set(entry.handle, entries);
    }
    entries.add(entry);
    this.count++;
    return entry;
  }

  /** Stops tracking the entry; false when it was not tracked (ended already). */
  remove(entry: Tracked): boolean {
    const entries = this.byHandle.get(entry.handle);
    if (!entries?.delete(entry)) {
      return false;
    }
    clearTimeout(entry.timer);
    this.count--;
    if (entries.size === 0) {
      this.byHandle.delete(entry.handle);
    }
    return true;
  }

  has(entry: Tracked): boolean {
    return this.byHandle.get(entry.handle)?.has(entry) ?? false;
  }

  ofHandle(handle: string): Tracked[] {
    return [...(this.byHandle.get(handle) ?? [])];
  }

  all(): Tracked[] {
    return [...this.byHandle.values()].flatMap((entries) => [...entries]);
  }

  /** Runs `due` once `expiresAt` has passed (in steps of at most {@link MAX_DELAY}), replacing the entry's timer. */
  setTimer(entry: Tracked, expiresAt: number, due: () => void): void {
    clearTimeout(entry.timer);
    const delay = Math.max(0, expiresAt - Date.now()) + EXPIRY_MARGIN;
    entry.timer = setTimeout(
      () => (delay > MAX_DELAY ? this.setTimer(entry, expiresAt, due) : due()),
      Math.min(delay, MAX_DELAY),
    );
    entry.timer.unref();
  }

  clear(): void {
    this.all().forEach((entry) => this.remove(entry));
  }

  /** The entries grouped by user and tenant: one store call checks a group. */
  static byUser(entries: Tracked[]): Tracked[][] {
    const groups = new Map<string, Tracked[]>();
    for (const entry of entries) {
      const key = JSON.stringify([entry.userId, entry.tenant]);
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    return [...groups.values()];
  }
}
