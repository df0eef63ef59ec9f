import type { SessionStore } from './session-store.interface';
import type { StoredSession } from './stored-session.interface';

/** A stored session with the hash of its ID: what moves between stores. */
export interface ExportedSession {
  idHash: string;
  session: StoredSession;
}

/** Options of {@link copySessions}. */
export interface CopySessionsOptions {
  /** Writes in flight at once. Default 32. */
  concurrency?: number;
}

/**
 * Copies sessions, batch by batch, into `target` (as new sessions under the same ID hash, handle and
 * user), so their cookies keep working on it: moving from one store to another without logging
 * anyone out. A session already in `target` is replaced. Resolves to how many were copied.
 *
 * ```ts
 * await copySessions(exportSessions(dataSource), new RedisSessionStore({ url }));
 * ```
 */
export async function copySessions(
  source: AsyncIterable<ExportedSession[]>,
  target: SessionStore,
  options: CopySessionsOptions = {},
): Promise<number> {
  const concurrency = options.concurrency ?? 32;
  let copied = 0;
  for await (const batch of source) {
    for (let start = 0; start < batch.length; start += concurrency) {
      const slice = batch.slice(start, start + concurrency);
      await Promise.all(slice.map(({ idHash, session }) => target.create(idHash, session, { now: Date.now() })));
      copied += slice.length;
    }
  }
  return copied;
}
