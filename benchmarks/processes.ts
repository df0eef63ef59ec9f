import { type ChildProcess, fork, spawn } from 'node:child_process';

/**
 * Every child the bench starts, so none outlives it: killed on normal exit, on errors and on
 * Ctrl-C. Children also exit by themselves when their IPC channel closes (see `exitWithParent`),
 * which covers a parent killed with SIGKILL.
 */
const children = new Set<ChildProcess>();
const interruptHooks: Array<() => Promise<void>> = [];
let hooked = false;
/** Longest an interrupt hook may take before the bench exits anyway. */
const INTERRUPT_HOOK_TIMEOUT_MS = 10_000;

/** Runs `hook` (e.g. dropping the bench's databases) when the bench is interrupted, after its children stopped. */
export function onInterrupt(hook: () => Promise<void>): void {
  hookExit();
  interruptHooks.push(hook);
}

/** Starts `script` (a compiled file beside this one) in its own Node process, with IPC. */
export function startChild(script: string, args: string[] = []): ChildProcess {
  hookExit();
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts a program (e.g. `redis-server`) without IPC, its output discarded; stopped like the Node children. */
export function spawnChild(command: string, args: string[]): ChildProcess {
  hookExit();
  const child = spawn(command, args, { stdio: 'ignore' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Ends a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return; // never started, or already gone
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Ends every child still running. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)));
}

/**
 * Resolves with the first message `accept` maps to a value; rejects when `accept` throws, when the
 * child exits, or after `timeoutMs`.
 */
export function waitForMessage<T>(
  child: ChildProcess,
  accept: (message: unknown) => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: unknown): void => {
      let value: T | undefined;
      try {
        value = accept(message);
      } catch (error) {
        done();
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (value !== undefined) {
        done();
        resolve(value);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      done();
      reject(new Error(`${what}: the child process exited (code ${code}, signal ${signal})`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** In a child: exit when the parent goes away or asks to stop. */
export function exitWithParent(onStop?: () => Promise<void>): void {
  const stop = (): void => {
    const timer = setTimeout(() => process.exit(0), 1000);
    timer.unref();
    void (onStop?.() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', () => undefined); // Ctrl-C reaches the whole group: the parent decides.
}

function hookExit(): void {
  if (hooked) {
    return;
  }
  hooked = true;
  // 'exit' handlers must be synchronous: a plain SIGKILL is all that can be sent from there.
  process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping the child processes and cleaning up`);
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, INTERRUPT_HOOK_TIMEOUT_MS).unref());
      const cleanup = stopAllChildren().then(async () => {
        for (const hook of interruptHooks) {
          await hook().catch((error: unknown) => console.error(error));
        }
      });
      void Promise.race([cleanup, timeout]).finally(() => process.exit(130));
    });
  }
}
