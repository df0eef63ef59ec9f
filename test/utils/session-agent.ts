import request, { type Response, type Test } from 'supertest';
import { SESSION_COOKIE, sessionSetCookie } from './session-cookie';

/**
 * A client that keeps the session cookie between requests, like one browser: it sends the
 * cookie it holds and takes whatever the responses set (a cleared cookie is dropped).
 * Each method returns supertest's `Test`, so `.send()`, `.expect()` chain as usual.
 */
export class SessionAgent {
  constructor(
    private readonly baseUrl: string,
    /** `sid=<value>` as sent in the Cookie header, or undefined before the first session. */
    public cookie?: string,
  ) {}

  /** Another client holding the same cookie (a copied cookie, a second tab, an attacker replaying it). */
  clone(): SessionAgent {
    return new SessionAgent(this.baseUrl, this.cookie);
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
