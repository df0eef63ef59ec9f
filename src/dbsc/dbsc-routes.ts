import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SESSION_MODULE_OPTIONS } from '../core/session.constants';
import type { SessionHttpRequest } from '../http/platform/http-platform';
import type { ResolvedSessionOptions } from '../module/session-options';
import { DbscEndpoints } from './dbsc-endpoints';
import { sendDbscReply, type DbscReply } from './dbsc-reply';

/**
 * Puts the two DBSC endpoints on the app's HTTP server (Express or Fastify) when `dbsc` is on: POST
 * routes at the exact paths configured, registered as the module initializes, so they sit outside
 * the global prefix, guards, pipes and interceptors (the proof is their authentication), on
 * `forRoot` and `forRootAsync` alike.
 */
@Injectable()
export class DbscRoutes implements OnModuleInit {
  private readonly logger = new Logger('SessionModule');

  constructor(
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly endpoints: DbscEndpoints,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const dbsc = this.options.dbsc;
    const adapter = this.adapterHost?.httpAdapter;
    if (!dbsc || !adapter) {
      return;
    }
    const route =
      (answer: (request: SessionHttpRequest) => Promise<DbscReply>) => (request: unknown, response: unknown) => {
        answer(request as SessionHttpRequest)
          .catch((error: unknown): DbscReply => {
            this.logger.error(`DBSC endpoint failed: ${error instanceof Error ? error.message : String(error)}`);
            return { status: 503, headers: {}, body: { error: 'Try again' } };
          })
          .then((reply) => sendDbscReply(response, reply))
          .catch(() => undefined);
      };
    adapter.post(
      dbsc.registrationPath,
      route((request) => this.endpoints.register(request)),
    );
    adapter.post(
      dbsc.refreshPath,
      route((request) => this.endpoints.refresh(request)),
    );
  }
}
