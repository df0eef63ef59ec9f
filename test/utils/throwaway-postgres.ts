import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './free-port';

const execFileAsync = promisify(execFile);

/** PostgreSQL refuses to run as root: as root, the cluster belongs to this OS user. */
const CLUSTER_OWNER = 'postgres';

/**
 * A PostgreSQL cluster of one test file's own (`initdb` in a temp directory, on a free port, trust
 * auth), so the test can stop, restart, lock or starve it without touching the shared server.
 * `destroy()` stops it, kills it by PID if it will not stop, and deletes its files; it also runs
 * when the process exits, so a test that dies midway leaves neither a process nor files behind.
 */
export class ThrowawayPostgres {
  private postmasterPid?: number;
  private readonly killOnExit = () => this.killAndDelete();

  private constructor(
    /** The temp directory: `data/`, `postgres.log` and the Unix socket. */
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Runs `initdb` and starts the cluster; on any failure, removes what it made and rethrows. */
  static async create(): Promise<ThrowawayPostgres> {
    const cluster = new ThrowawayPostgres(mkdtempSync(path.join(os.tmpdir(), 'nest-sessions-pg-')), await freePort());
    process.once('exit', cluster.killOnExit);
    try {
      if (runsAsRoot()) {
        const owner = await ownerIds();
        chownSync(cluster.dir, owner.uid, owner.gid);
      }
      await cluster.run('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
      await cluster.start();
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  /** A URL for `database` on this cluster, as the superuser `postgres`. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates `name` and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.url(), application_name: 'throwaway-postgres' });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Starts the cluster (again) on its port and waits until it accepts connections. */
  async start(): Promise<void> {
    const settings = ['listen_addresses=127.0.0.1', 'max_connections=60', 'fsync=off', 'full_page_writes=off'];
    const options = [`-p ${this.port}`, `-k ${this.dir}`, ...settings.map((setting) => `-c ${setting}`)].join(' ');
    const log = path.join(this.dir, 'postgres.log');
    await this.run('pg_ctl', ['start', '-w', '-t', '30', '-D', this.dataDir, '-l', log, '-o', options]);
    this.postmasterPid = Number(readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  }

  /** Whether the postmaster started last is still alive. */
  get running(): boolean {
    return this.postmasterPid !== undefined && isAlive(this.postmasterPid);
  }

  /** `pg_ctl stop`: `fast` ends the sessions and shuts down cleanly, `immediate` aborts everything at once. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.run('pg_ctl', ['stop', '-w', '-t', '30', '-D', this.dataDir, '-m', mode]);
  }

  /** Stops the cluster at once, kills it by PID if that did not work, and deletes its directory. */
  async destroy(): Promise<void> {
    if (this.running) {
      await this.stop('immediate').catch(() => undefined);
    }
    this.killAndDelete();
    process.off('exit', this.killOnExit);
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** Synchronous, so it also works from a process `exit` handler. */
  private killAndDelete(): void {
    const pid = this.postmasterPid;
    if (pid !== undefined && isAlive(pid)) {
      // Backends exit by themselves once the postmaster is gone; killing them too makes it immediate.
      for (const child of [pid, ...childrenOf(pid)]) {
        signal(child, 'SIGKILL');
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async run(program: string, args: string[]): Promise<void> {
    const binary = path.join(binDir(), program);
    const [file, argv] = runsAsRoot() ? ['runuser', ['-u', CLUSTER_OWNER, '--', binary, ...args]] : [binary, args];
    try {
      await execFileAsync(file, argv, { timeout: 60_000 });
    } catch (error) {
      const { stderr } = error as { stderr?: string };
      throw new Error(`${program} ${args[0]} failed: ${stderr || (error as Error).message}`, { cause: error });
    }
  }
}

/** `PG_BIN_DIR`, else the newest /usr/lib/postgresql/<major>/bin (Debian, Ubuntu), else the PATH. */
function binDir(): string {
  if (process.env.PG_BIN_DIR) {
    return process.env.PG_BIN_DIR;
  }
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)) : [];
  const newest = majors
    .sort((a, b) => Number(b) - Number(a))
    .find((major) => existsSync(`${root}/${major}/bin/initdb`));
  return newest ? `${root}/${newest}/bin` : '';
}

function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

async function ownerIds(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await execFileAsync('id', [flag, CLUSTER_OWNER])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

function isAlive(pid: number): boolean {
  return signal(pid, 0);
}

function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** The PIDs whose parent is `pid`, from /proc (Linux); none elsewhere. */
function childrenOf(pid: number): number[] {
  if (!existsSync('/proc')) {
    return [];
  }
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      const stat = safeRead(`/proc/${entry}/stat`);
      // Field 4 is the parent PID; the command name (field 2) may hold spaces, so count from its closing ')'.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    })
    .map(Number);
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
