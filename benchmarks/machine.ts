import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { type ServerInfo, serverInfo } from './database';

/** Where the numbers come from. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  /** How SQL statements are counted, given what the server has loaded. */
  sqlCounting: string;
  server: ServerInfo;
  commit: string;
  /** CPU busy share before the bench started anything, and the load averages at the start. */
  busyBeforeStart: number | null;
  loadAverage: number[];
}

export async function machineInfo(): Promise<MachineInfo> {
  const server = await serverInfo();
  const busyBeforeStart = await cpuBusyShare();
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    postgres: server.version.split(' on ')[0],
    sqlCounting: server.pgStatStatements
      ? 'pg_stat_statements is loaded, but the counts here come from pg_stat_database transactions and the apps themselves'
      : `pg_stat_statements is not loaded (shared_preload_libraries = '${server.sharedPreloadLibraries}'): ` +
        'SQL/req is pg_stat_database transactions (each statement outside a transaction is one), checked against the statements each app sent',
    server,
    commit: gitCommit(),
    busyBeforeStart,
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** The repository's root (this file runs from benchmarks/dist/), whose src/ the package was built from. */
const REPOSITORY = join(__dirname, '..', '..');

/** The commit measured, marked `+changes` when the package's source differs from it. */
function gitCommit(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: REPOSITORY, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return dirty ? `${head}+changes in src/` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Share (0..1) of the machine's CPU time that was busy over `ms`, from /proc/stat; null off Linux. */
export async function cpuBusyShare(ms = 2000): Promise<number | null> {
  const sample = async (): Promise<{ busy: number; total: number } | null> => {
    try {
      const { readFile } = await import('node:fs/promises');
      const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      const idle = fields[3] + (fields[4] ?? 0);
      const total = fields.reduce((sum, value) => sum + value, 0);
      return { busy: total - idle, total };
    } catch {
      return null;
    }
  };
  const first = await sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const second = await sample();
  if (!first || !second || second.total === first.total) {
    return null;
  }
  return (second.busy - first.busy) / (second.total - first.total);
}
