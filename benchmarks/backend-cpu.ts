import { readFile } from 'node:fs/promises';
import { withClient } from './database';

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every common Linux build. */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds each server backend of a database had used, keyed by pid and start time. */
export type BackendCpu = Map<string, number>;

/** CPU milliseconds (user + system) process `pid` has used, from /proc; null when it cannot be read. */
export async function processCpuMs(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU used so far by the PostgreSQL backends connected to `database`, read from /proc; null when
 * the server is not on this machine (or not on Linux).
 */
export async function backendCpu(database: string): Promise<BackendCpu | null> {
  const backends = await withClient(async (client) => {
    const { rows } = await client.query<{ pid: number; started: string }>(
      `SELECT pid, backend_start::text AS started FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [database],
    );
    return rows;
  });
  const usage: BackendCpu = new Map();
  for (const { pid, started } of backends) {
    const cpu = await processCpuMs(pid);
    if (cpu === null) {
      return null;
    }
    usage.set(`${pid}@${started}`, cpu);
  }
  return usage;
}

/**
 * CPU milliseconds the database's backends used between two readings. A backend opened in
 * between counts whole (its start-up is part of the load); one closed in between is missed, which
 * pools make rare: they keep idle connections for 10 s.
 */
export function backendCpuBetween(before: BackendCpu | null, after: BackendCpu | null): number | null {
  if (!before || !after) {
    return null;
  }
  let total = 0;
  for (const [key, cpu] of after) {
    total += cpu - (before.get(key) ?? 0);
  }
  return total;
}
