import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); the tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless, on a machine without outside network: Playwright already turns off background
 * networking, component updates and the first-run page; these stop the few attempts left.
 */
const LAUNCH_OPTIONS: LaunchOptions = {
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: ['--disable-gpu', '--disable-quic', '--disable-sync'],
};

/** Browsers and profiles for one test file; everything it opened is closed, and every profile deleted, by {@link closeAll}. */
export class ChromiumRig {
  private readonly browsers: Browser[] = [];
  private readonly contexts: BrowserContext[] = [];
  private readonly profileDirs: string[] = [];

  /** A browser with fresh, in-memory profiles (one per `newContext()`). */
  async launch(): Promise<Browser> {
    const browser = await chromium.launch(LAUNCH_OPTIONS);
    this.browsers.push(browser);
    return browser;
  }

  /** A new, empty profile directory, deleted by {@link closeAll}. */
  async newProfile(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-chromium-'));
    this.profileDirs.push(dir);
    return dir;
  }

  /** Starts Chromium on a profile kept on disk; closing the context quits that browser, as a user closing it would. */
  async open(profileDir: string): Promise<BrowserContext> {
    const context = await chromium.launchPersistentContext(profileDir, LAUNCH_OPTIONS);
    this.contexts.push(context);
    return context;
  }

  /** Closes every browser still open (closing twice is harmless), then deletes the profiles. */
  async closeAll(): Promise<void> {
    const open = [...this.contexts.splice(0), ...this.browsers.splice(0)];
    await Promise.allSettled(open.map((item) => item.close()));
    const dirs = this.profileDirs.splice(0);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Registers, in the enclosing `describe`, an `afterEach` that closes what each test opened. */
export function useChromium(): ChromiumRig {
  const rig = new ChromiumRig();
  afterEach(() => rig.closeAll());
  return rig;
}
