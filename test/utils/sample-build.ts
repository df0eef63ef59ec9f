import { execFile } from 'node:child_process';
import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sleep } from './sleep';

const ROOT = join(__dirname, '..', '..');
const OUT_DIR = join(ROOT, 'dist-sample');

/** The compiled sample, as `npm run build:sample` leaves it. */
export const SAMPLE_MAIN = join(OUT_DIR, 'sample', 'main.js');

/** Held while one test file compiles the sample: files of several jest projects may want it at once. */
const LOCK = join(OUT_DIR, '.build.lock');
/** A lock older than this was left by a process that died while compiling. */
const STALE_LOCK_MS = 180_000;

/**
 * Compiles the sample with `npm run build:sample` unless it is newer than every source it is built
 * from; one file at a time, so no file runs the sample while another rewrites it. The compiler's
 * messages become the error.
 */
export async function buildSample(): Promise<void> {
  await acquireLock();
  try {
    if (!(await isUpToDate())) {
      await compile();
    }
  } finally {
    await rmdir(LOCK);
  }
}

async function compile(): Promise<void> {
  try {
    await promisify(execFile)('npm', ['run', '--silent', 'build:sample'], { cwd: ROOT });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build:sample failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

async function acquireLock(): Promise<void> {
  await mkdir(OUT_DIR, { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    const held = await stat(LOCK).catch(() => undefined);
    if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) {
      await rmdir(LOCK).catch(() => undefined);
    }
    await sleep(200);
  }
}

async function isUpToDate(): Promise<boolean> {
  const built = await stat(SAMPLE_MAIN).catch(() => undefined);
  if (!built) {
    return false;
  }
  const sources = [join(ROOT, 'tsconfig.json'), join(ROOT, 'sample', 'tsconfig.json')];
  for (const dir of ['sample', 'src']) {
    const files = await readdir(join(ROOT, dir), { recursive: true });
    sources.push(...files.filter((file) => file.endsWith('.ts')).map((file) => join(ROOT, dir, file)));
  }
  const times = await Promise.all(sources.map(async (file) => (await stat(file)).mtimeMs));
  return times.every((time) => time < built.mtimeMs);
}
