/**
 * What a request changed in a session's data, key by key, and when: every change gets the next
 * revision number, so a save that wrote the changes up to a revision forgets those and keeps the
 * ones made while it was in flight.
 */
export class KeyChanges {
  /** Keys written, with their new values. */
  readonly changed = new Map<string, unknown>();
  /** Keys removed. */
  readonly removed = new Set<string>();
  private count = 0;
  private readonly changedAt = new Map<string, number>();

  /** The latest revision handed out. */
  get revision(): number {
    return this.count;
  }

  get size(): number {
    return this.changed.size + this.removed.size;
  }

  set(key: string, value: unknown): void {
    this.changed.set(key, value);
    this.removed.delete(key);
    this.changedAt.set(key, this.next());
  }

  remove(key: string): void {
    this.changed.delete(key);
    this.removed.add(key);
    this.changedAt.set(key, this.next());
  }

  /** Forgets a key's change altogether, as if it had not been made. */
  discard(key: string): void {
    this.changed.delete(key);
    this.removed.delete(key);
    this.changedAt.delete(key);
  }

  /** Hands out the next revision (for a change that is not a key's: a login, a lifetime). */
  next(): number {
    return ++this.count;
  }

  /** Forgets the changes made up to `revision`, which the store now has. */
  forgetUpTo(revision: number): void {
    for (const key of [...this.changed.keys(), ...this.removed]) {
      if ((this.changedAt.get(key) ?? 0) <= revision) {
        this.discard(key);
      }
    }
  }
}
