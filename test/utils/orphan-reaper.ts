import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Once the process with PID $1 is gone, SIGKILLs every process whose working directory is $2 or
 * below it (the servers started there, and only those) and deletes $2.
 */
const REAPER = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
for proc in /proc/[0-9]*; do
  case "$(readlink "$proc/cwd" 2>/dev/null)" in
    "$2" | "$2"/*) kill -9 "\${proc#/proc/}" 2>/dev/null ;;
  esac
done
rm -rf "$2"`;

/**
 * A watchdog for servers that run with their working directory inside `dir`: when this process
 * ends without having stopped them, however it ends (a SIGKILLed Jest worker included), it kills
 * them and deletes `dir`. A process `exit` listener is not enough: inside a Jest test file,
 * `process` is a copy whose `exit` listeners never run. `cancel()` stops the watchdog by PID.
 * Linux only (it reads /proc); elsewhere it does nothing.
 */
export class OrphanReaper {
  private constructor(private readonly watchdog?: ChildProcess) {}

  static watch(dir: string): OrphanReaper {
    if (process.platform !== 'linux') {
      return new OrphanReaper();
    }
    const watchdog = spawn('sh', ['-c', REAPER, 'orphan-reaper', String(process.pid), dir], {
      cwd: '/',
      stdio: 'ignore',
      detached: true,
    });
    // Errors (no sh) only mean there is no watchdog; the owner's destroy() still cleans up.
    watchdog.on('error', () => undefined);
    watchdog.unref();
    return new OrphanReaper(watchdog);
  }

  /** Stops the watchdog (the owner cleaned up by itself). */
  cancel(): void {
    const pid = this.watchdog?.pid;
    if (pid !== undefined && this.watchdog!.exitCode === null && this.watchdog!.signalCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
