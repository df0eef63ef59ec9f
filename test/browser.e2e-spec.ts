import type { BrowserContext, Page } from 'playwright-core';
import { useChromium } from './utils/chromium';
import { PLATFORMS } from './utils/platforms';
import { useSampleServer } from './utils/sample-server';
import { SESSION_COOKIE } from './utils/session-cookie';
import { useSessionsDatabase } from './utils/sessions-database';

const ALICE = { username: 'alice', password: 'alice-pass-123' };

/**
 * The sample's HTML pages in Debian's Chromium, driven by playwright-core: what supertest cannot
 * show is how a real browser keeps, drops and hides the session cookie.
 */
describe('in Chromium', () => {
  const database = useSessionsDatabase('browser');

  // The pages work with the sample's CSRF protection on too: they send the session's token.
  const variants = [
    ...PLATFORMS.map((platform) => ({ platform, csrf: false })),
    { platform: 'express' as const, csrf: true },
  ];
  describe.each(variants)('on $platform, SESSION_CSRF=$csrf', ({ platform, csrf }) => {
    const server = useSampleServer(() => database.db.url, { platform, csrf });
    const chromium = useChromium();
    /**
     * The server as a developer opens it: `http://localhost:<port>`. The cookie is the module's
     * default, `Secure` and `__Host-sid`, which Chromium keeps there (and on http://127.0.0.1).
     */
    const origin = (): string => server.url.replace('127.0.0.1', 'localhost');

    /** Fills in the login form and waits for its answer, which it returns. */
    async function logInThroughForm(page: Page, password: string, remember: boolean): Promise<string> {
      await page.goto(`${origin()}/`);
      await page.getByLabel('Username').fill(ALICE.username);
      await page.getByLabel('Password').fill(password);
      await page.getByLabel('Remember me').setChecked(remember);
      await page.getByRole('button', { name: 'Log in' }).click();
      const result = page.locator('#result:not(:empty)');
      await result.waitFor();
      return (await result.textContent()) ?? '';
    }

    /** Opens the guarded page: the user it shows, or null when it sent the browser to the login form. */
    async function accountUser(page: Page): Promise<string | null> {
      const response = await page.goto(`${origin()}/account`);
      if (new URL(page.url()).pathname === '/') {
        expect(response?.request().redirectedFrom()).not.toBeNull();
        await page.getByRole('button', { name: 'Log in' }).waitFor();
        return null;
      }
      expect(response?.status()).toBe(200);
      return page.locator('#username').textContent();
    }

    /** The session cookie as the browser holds it (`expires` -1: a browser-session cookie), or undefined. */
    async function sessionCookie(context: BrowserContext) {
      return (await context.cookies(origin())).find((cookie) => cookie.name === SESSION_COOKIE);
    }

    /** The tab a persistent profile opens with. */
    async function firstPage(context: BrowserContext): Promise<Page> {
      return context.pages()[0] ?? context.newPage();
    }

    it('logs in through the form, shows the user on the guarded page, and logs out with its button', async () => {
      const context = await (await chromium.launch()).newContext();
      const page = await context.newPage();
      expect(await accountUser(page)).toBeNull();

      expect(await logInThroughForm(page, 'wrong-password', false)).toBe('Wrong username or password');
      expect(await accountUser(page)).toBeNull();

      expect(await logInThroughForm(page, ALICE.password, false)).toBe('Logged in as alice');
      expect(await accountUser(page)).toBe('alice');
      await expect(page.locator('#roles').textContent()).resolves.toBe('user');
      const loggedIn = await sessionCookie(context);
      expect(loggedIn).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });

      await Promise.all([page.waitForURL(`${origin()}/`), page.getByRole('button', { name: 'Log out' }).click()]);
      expect(await sessionCookie(context)).toBeUndefined();
      expect(await accountUser(page)).toBeNull();
      // The server destroyed the session: the old cookie, put back, logs nobody in.
      await context.addCookies([loggedIn!]);
      expect(await accountUser(page)).toBeNull();
    });

    it('keeps a remember-me login when the browser restarts on the same profile', async () => {
      const profile = await chromium.newProfile();
      const first = await chromium.open(profile);
      expect(await logInThroughForm(await firstPage(first), ALICE.password, true)).toBe('Logged in as alice');
      expect((await sessionCookie(first))?.expires).toBeGreaterThan(Date.now() / 1000 + 29 * 24 * 3600);
      await first.close();

      const restarted = await chromium.open(profile);
      expect(await accountUser(await firstPage(restarted))).toBe('alice');
    });

    it('forgets a login without remember-me when the browser restarts on the same profile', async () => {
      const profile = await chromium.newProfile();
      const first = await chromium.open(profile);
      const page = await firstPage(first);
      expect(await logInThroughForm(page, ALICE.password, false)).toBe('Logged in as alice');
      expect(await accountUser(page)).toBe('alice');
      expect((await sessionCookie(first))?.expires).toBe(-1);
      await first.close();

      const restarted = await chromium.open(profile);
      expect(await sessionCookie(restarted)).toBeUndefined();
      expect(await accountUser(await firstPage(restarted))).toBeNull();
    });

    it('hides the session cookie from page JavaScript (HttpOnly)', async () => {
      const context = await (await chromium.launch()).newContext();
      const page = await context.newPage();
      expect(await logInThroughForm(page, ALICE.password, false)).toBe('Logged in as alice');
      expect(await sessionCookie(context)).toMatchObject({ httpOnly: true });

      // Strings, as the tests compile without the DOM's types.
      await page.evaluate("document.cookie = 'visible=yes; path=/'");
      const visible = await page.evaluate<string>('document.cookie');
      // The page reads cookies that are not HttpOnly, so the session cookie's absence means something.
      expect(visible).toBe('visible=yes');
      expect(visible).not.toContain(SESSION_COOKIE);
      expect(await accountUser(page)).toBe('alice');
    });
  });
});
