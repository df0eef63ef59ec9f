import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import { SessionStoreUnavailableError } from '../core/session.errors';
import type { SessionHttpRequest } from '../http/platform/http-platform';
import type { ResolvedSessionOptions } from '../module/session-options';
import type { StoredSession } from '../store/stored-session.interface';
import type { ResolvedDbscOptions } from './dbsc-options';
import { consumeDbscChallenge, newDbscChallenge, withDbscChallenge } from './dbsc-challenges';
import { CHALLENGE_HEADER, PROOF_HEADER, SESSION_ID_HEADER, challengeHeader, sfStringHeader } from './dbsc-headers';
import { parseDbscProof, verifyDbscSignature, type DbscProof } from './dbsc-proof';
import type { DbscBinding, DbscRecord } from './dbsc-record';
import type { DbscReply } from './dbsc-reply';
import { DbscSessionWrites, type DbscDecision } from './dbsc-session-writes';
import { DeviceCookie } from './device-cookie';

/** Ends the browser's DBSC session (draft: `continue: false`); what a refresh of an unknown binding gets. */
const TERMINATE: DbscReply = { status: 200, headers: {}, body: { continue: false } };

/**
 * The registration and refresh endpoints. Registration (the session from the long-lived cookie):
 * 400 without a well-formed proof, 403 for a proof that fails, 200 with the short-lived cookie and
 * the session instructions. Refresh: `continue: false` for a session that is gone or not bound
 * under that identifier; 403 with a new `Secure-Session-Challenge` without a valid proof; 200 with
 * a fresh cookie (and the next challenge) for one. Store trouble: 503, which the browser retries.
 */
@Injectable()
export class DbscEndpoints {
  private readonly logger = new Logger('SessionModule');
  private cookieOf: DeviceCookie | null = null;

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly writes: DbscSessionWrites,
  ) {}

  /** Provided whether `dbsc` is on or not; only used (routed) when it is. */
  private get dbsc(): ResolvedDbscOptions {
    return this.options.dbsc as ResolvedDbscOptions;
  }

  private get cookie(): DeviceCookie {
    return (this.cookieOf ??= new DeviceCookie(this.options));
  }

  async register(request: SessionHttpRequest): Promise<DbscReply> {
    const token = sfStringHeader(request, PROOF_HEADER);
    const proof = token === null ? null : parseDbscProof(token);
    if (proof === null || proof.jwk === null) {
      return refusal(400, 'A DBSC registration needs a well-formed Secure-Session-Response proof with its jwk');
    }
    if (!verifyDbscSignature(proof, proof.jwk)) {
      return refusal(403, 'The proof is not signed by the key it carries');
    }
    return this.guarded(() =>
      this.writes.update(request, (session, record, now) => this.bind(session, record, proof, now)),
    );
  }

  async refresh(request: SessionHttpRequest): Promise<DbscReply> {
    const bindingId = sfStringHeader(request, SESSION_ID_HEADER);
    if (bindingId === null) {
      return refusal(400, 'A DBSC refresh needs the Sec-Secure-Session-Id header');
    }
    const token = sfStringHeader(request, PROOF_HEADER);
    const proof = token === null ? null : parseDbscProof(token);
    return this.guarded(() =>
      this.writes.update(request, (session, record, now) => this.renew(session, record, bindingId, proof, now)),
    );
  }

  /** Registration: the proof answers a pending registration challenge of this session. */
  private bind(
    session: StoredSession | null,
    record: DbscRecord,
    proof: DbscProof,
    now: number,
  ): DbscDecision<DbscReply> {
    const challenges = session && consumeDbscChallenge(record.challenges, proof.jti, 'registration', now);
    if (!session || !challenges || !proof.jwk) {
      return {
        record: null,
        result: refusal(403, 'No pending registration challenge of this session matches the proof'),
      };
    }
    const binding: DbscBinding = { id: randomBytes(16).toString('base64url'), alg: proof.alg, jwk: proof.jwk };
    return { record: { binding, challenges: [] }, result: this.credentials(session, binding, now) };
  }

  /** Refresh: a proof by the registered key over a pending refresh challenge earns a new cookie; anything else a new challenge. */
  private renew(
    session: StoredSession | null,
    record: DbscRecord,
    bindingId: string,
    proof: DbscProof | null,
    now: number,
  ): DbscDecision<DbscReply> {
    const binding = record.binding;
    if (!session || !binding || binding.id !== bindingId) {
      return { record: null, result: TERMINATE };
    }
    const next = newDbscChallenge('refresh', now, this.dbsc.challengeLifetime);
    const consumed =
      proof && this.provesKey(proof, binding) && consumeDbscChallenge(record.challenges, proof.jti, 'refresh', now);
    const challenges = withDbscChallenge(consumed || record.challenges, next, now);
    const headers = { [CHALLENGE_HEADER]: challengeHeader(next.value, binding.id) };
    if (!consumed) {
      return { record: { binding, challenges }, result: { status: 403, headers } };
    }
    const reply = this.credentials(session, binding, now);
    return { record: { binding, challenges }, result: { ...reply, headers: { ...reply.headers, ...headers } } };
  }

  /** A refresh proof: no embedded key, the registered algorithm, signed by the registered key. */
  private provesKey(proof: DbscProof, binding: DbscBinding): boolean {
    return proof.jwk === null && proof.alg === binding.alg && verifyDbscSignature(proof, binding.jwk);
  }

  /** 200: the short-lived cookie and the session instructions naming it. */
  private credentials(session: StoredSession, binding: DbscBinding, now: number): DbscReply {
    return {
      status: 200,
      headers: {},
      setCookie: this.cookie.setCookie(this.cookie.issue(session.handle, binding.id, now)),
      body: {
        session_identifier: binding.id,
        refresh_url: this.dbsc.refreshPath,
        continue: true,
        scope: { include_site: false, scope_specification: [] },
        credentials: [{ type: 'cookie', name: this.cookie.name, attributes: this.cookie.attributes() }],
      },
    };
  }

  /** Store failures become 503 (the browser backs off and tries again), never a 500. */
  private async guarded(answer: () => Promise<DbscReply>): Promise<DbscReply> {
    try {
      return await answer();
    } catch (error) {
      if (!(error instanceof SessionStoreUnavailableError)) {
        this.logger.warn(`DBSC request failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return refusal(503, 'The session store is unavailable; try again');
    }
  }
}

function refusal(status: number, error: string): DbscReply {
  return { status, headers: {}, body: { error } };
}
