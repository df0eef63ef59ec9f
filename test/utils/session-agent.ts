import request, { type Response, type Test } from 'supertest';
import { SESSION_COOKIE, sessionSetCookie } from './session-cookie';

/**
 * A client that keeps the session cookie between requests, like one browser: it sends the
 * cookie it holds and takes whatever the responses set (a cleared cookie is dropped).
 * Each method returns supertest's `Test`, so `.send()`, `.expect()` chain as usual.
 */
export class SessionAgent {
  /** Headers sent with every request, like a browser's User-Agent (see {@link with}). */
  readonly headers: Record<string, string> = {};

  constructor(
    private readonly baseUrl: string,
    /** `sid=<value>` as sent in the Cookie header, or undefined before the first session. */
    public cookie?: string,
  ) {}

  /**
   * Sends these headers with every later request (User-Agent, X-Forwarded-For, a tenant header...);
   * returns the agent itself, so `server.agent().with({ 'user-agent': 'Phone' })` reads as one client.
   */
  with(headers: Record<string, string>): this {
    Object.assign(this.headers, headers);
    return this;
  }

  /**
   * Another client holding the same cookie (a copied cookie, a second tab, an attacker replaying it).
   * It sends the same headers, unless `headers` replaces some.
   */
  clone(headers: Record<string, string> = {}): SessionAgent {
    return new SessionAgent(this.baseUrl, this.cookie).with({ ...this.headers, ...headers });
  }

  get(path: string): Test {
    return this.track(request(this.baseUrl).get(path));
  }

  post(path: string): Test {
    return this.track(request(this.baseUrl).post(path));
  }

  put(path: string): Test {
    return this.track(request(this.baseUrl).put(path));
  }

  delete(path: string): Test {
    return this.track(request(this.baseUrl).delete(path));
  }

  private track(test: Test): Test {
    test.set(this.headers);
    if (this.cookie !== undefined) {
      test.set('Cookie', this.cookie);
    }
    // Emitted before supertest runs its assertions, so a chained .expect() sees the updated agent.
    test.on('response', (response: Response) => this.takeCookie(response));
    return test;
  }

  private takeCookie(response: Response): void {
    const cookie = sessionSetCookie(response);
    if (cookie) {
      this.cookie = cookie.value ? `${SESSION_COOKIE}=${cookie.value}` : undefined;
    }
  }
}
