/**
 * What a request changed in a session's data, key by key, and when: every change gets the next
 * revision number, so a save that wrote the changes up to a revision forgets those and keeps the
 * ones made while it was in flight.
 */
/** The changes of a request that made none: most requests only read, and allocate nothing here. */
const NOTHING_CHANGED: ReadonlyMap<string, unknown> = new Map();
const NOTHING_REMOVED: ReadonlySet<string> = new Set();

interface Tracked {
  changed: Map<string, unknown>;
  removed: Set<string>;
  changedAt: Map<string, number>;
}

export class KeyChanges {
  private count = 0;
  private tracked?: Tracked;

  /** Keys written, with their new values. */
  get changed(): ReadonlyMap<string, unknown> {
    return this.tracked?.changed ?? NOTHING_CHANGED;
  }

  /** Keys removed. */
  get removed(): ReadonlySet<string> {
    return this.tracked?.removed ?? NOTHING_REMOVED;
  }

  /** The latest revision handed out. */
  get revision(): number {
    return this.count;
  }

  get size(): number {
    return this.tracked === undefined ? 0 : this.tracked.changed.size + this.tracked.removed.size;
  }

  set(key: string, value: unknown): void {
    const tracked = this.track();
    tracked.changed.set(key, value);
    tracked.removed.delete(key);
    tracked.changedAt.set(key, this.next());
  }

  remove(key: string): void {
    const tracked = this.track();
    tracked.changed.delete(key);
    tracked.removed.add(key);
    tracked.changedAt.set(key, this.next());
  }

  /** Forgets a key's change altogether, as if it had not been made. */
  discard(key: string): void {
    this.tracked?.changed.delete(key);
    this.tracked?.removed.delete(key);
    this.tracked?.changedAt.delete(key);
  }

  /** Hands out the next revision (for a change that is not a key's: a login, a lifetime). */
  next(): number {
    return ++this.count;
  }

  /** Forgets the changes made up to `revision`, which the store now has. */
  forgetUpTo(revision: number): void {
    const tracked = this.tracked;
    if (tracked === undefined) {
      return;
    }
    for (const key of [...tracked.changed.keys(), ...tracked.removed]) {
      if ((tracked.changedAt.get(key) ?? 0) <= revision) {
        this.discard(key);
      }
    }
  }

  private track(): Tracked {
    return (this.tracked ??= { changed: new Map(), removed: new Set(), changedAt: new Map() });
  }
}
