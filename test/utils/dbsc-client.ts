import { DbscCookieJar } from './dbsc-cookie-jar';
import { challengesOf, registrationOffers, sfString, type RegistrationOffer } from './dbsc-headers';
import { DbscKey, type DbscAlgorithm } from './dbsc-key';

/** A response as the tests read it: status, headers, the body (parsed when it is JSON) and its Set-Cookie lines. */
export interface DbscResponse {
  status: number;
  headers: Headers;
  body: unknown;
  setCookies: string[];
}

/** The session instructions of a registration (or refresh) answer (spec "JSON Session Instruction Format"). */
export interface DbscSessionConfig {
  session_identifier: string;
  refresh_url?: string;
  continue?: boolean;
  scope: { origin?: string; include_site: boolean; scope_specification?: unknown[] };
  credentials: { type: string; name: string; attributes?: string }[];
}

/** What a request to the registration or refresh endpoint carries besides cookies. */
export interface DbscRequestOptions {
  /** The JWT for `Secure-Session-Response`; omitted: none. */
  proof?: string;
  /** Send the sf-string form `"<jwt>"` / `"<id>"` the spec shows instead of Chrome 150's raw value. */
  quoted?: boolean;
  /** `Sec-Secure-Session-Id`; on refresh the registered identifier unless given. */
  sessionId?: string;
}

/**
 * A browser's DBSC side, as Chromium 150 behaves (see /tmp/dbsc-notes.md): it reads the offers of
 * `Secure-Session-Registration` and the challenges of `Secure-Session-Challenge` on every response,
 * registers a fresh key at the offered path, and refreshes at the `refresh_url` of the answer:
 * POST with `Sec-Secure-Session-Id` (and a proof when a challenge is cached), 403 + challenge,
 * POST with the proof. Paths and URLs come from the responses, resolved against their URL.
 */
export class DbscClient {
  jar = new DbscCookieJar();
  /** The last registration offer seen, with its path resolved. */
  offer?: RegistrationOffer & { url: URL };
  key?: DbscKey;
  /** Set by a successful registration (and replaced by a refresh answer's JSON). */
  session?: { config: DbscSessionConfig; refreshUrl: URL };
  /** Challenges cached per session identifier, as the browser does from any response. */
  readonly challenges = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  /** Any request, with the jar's cookies; a JSON `body` is sent as such. */
  async send(
    method: string,
    path: string | URL,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<DbscResponse> {
    const url = new URL(path, this.baseUrl);
    const cookie = this.jar.header();
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const setCookies = response.headers.getSetCookie();
    this.jar.take(setCookies);
    const offer = registrationOffers(response.headers.get('secure-session-registration'))[0];
    this.offer = offer ? { ...offer, url: new URL(offer.path, url) } : this.offer;
    challengesOf(response.headers.get('secure-session-challenge')).forEach(({ challenge, id }) =>
      this.challenges.set(id, challenge),
    );
    return { status: response.status, headers: response.headers, body: parseJson(text), setCookies };
  }

  /** Registers a new key of `algorithm` at the offered path; `proof` replaces the JWT a browser would sign. */
  async register(algorithm: DbscAlgorithm = 'ES256', options: DbscRequestOptions = {}): Promise<DbscResponse> {
    if (!this.offer) {
      throw new Error('no Secure-Session-Registration offer seen yet');
    }
    const key = DbscKey.generate(algorithm);
    const proof = options.proof ?? key.registrationProof(this.offer.challenge, this.offer.authorization);
    const response = await this.send(
      'POST',
      this.offer.url,
      undefined,
      this.dbscHeaders({ ...options, proof }, undefined),
    );
    const config = response.status === 200 ? (response.body as DbscSessionConfig) : undefined;
    if (config?.session_identifier) {
      this.key = key;
      this.session = { config, refreshUrl: new URL(config.refresh_url ?? this.offer.url.href, this.offer.url) };
    }
    return response;
  }

  /** One POST to the refresh URL: `Sec-Secure-Session-Id`, and `Secure-Session-Response` when a proof is given. */
  async refreshRequest(options: DbscRequestOptions = {}): Promise<DbscResponse> {
    const session = this.registered();
    const response = await this.send(
      'POST',
      session.refreshUrl,
      undefined,
      this.dbscHeaders(options, session.config.session_identifier),
    );
    const config = response.body as Partial<DbscSessionConfig> | undefined;
    if (response.status === 200 && config?.session_identifier === session.config.session_identifier) {
      this.session = { ...session, config: config as DbscSessionConfig };
    }
    return response;
  }

  /** The browser's refresh: a proof over the cached challenge if any, and once more after a 403 with a new one. */
  async refresh(): Promise<DbscResponse> {
    let response = await this.refreshRequest({ proof: this.proofForCached() });
    if (response.status === 403 && this.challenges.has(this.registered().config.session_identifier)) {
      response = await this.refreshRequest({ proof: this.proofForCached() });
    }
    return response;
  }

  /** A refresh proof over `challenge` signed with the registered key (or `key`). */
  proof(challenge: string, key: DbscKey = this.registeredKey()): string {
    return key.refreshProof(challenge);
  }

  /** The cached challenge of the registered session, taken (the browser signs each one once). */
  takeChallenge(): string | undefined {
    const id = this.registered().config.session_identifier;
    const challenge = this.challenges.get(id);
    this.challenges.delete(id);
    return challenge;
  }

  /** The short-lived cookie's name from the registration answer. */
  get boundCookieName(): string {
    return this.registered().config.credentials[0].name;
  }

  /** The same browser state in another client (same key, cookies and session): a second tab, or a full copy. */
  clone(): DbscClient {
    const copy = new DbscClient(this.baseUrl);
    Object.assign(copy, { jar: this.jar.clone(), offer: this.offer, key: this.key, session: this.session });
    return copy;
  }

  private proofForCached(): string | undefined {
    const challenge = this.takeChallenge();
    return challenge === undefined ? undefined : this.proof(challenge);
  }

  private dbscHeaders(options: DbscRequestOptions, registeredId: string | undefined): Record<string, string> {
    const quote = (value: string): string => (options.quoted ? sfString(value) : value);
    const id = options.sessionId ?? registeredId;
    return {
      ...(options.proof === undefined ? {} : { 'secure-session-response': quote(options.proof) }),
      ...(id === undefined ? {} : { 'sec-secure-session-id': quote(id) }),
    };
  }

  private registered(): { config: DbscSessionConfig; refreshUrl: URL } {
    if (!this.session) {
      throw new Error('not registered');
    }
    return this.session;
  }

  private registeredKey(): DbscKey {
    if (!this.key) {
      throw new Error('not registered');
    }
    return this.key;
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return text;
  }
}
