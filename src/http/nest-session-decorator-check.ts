import { Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { SessionConfigurationError } from '../core/session.errors';

/** A controller method that takes a parameter through Nest's own `@Session()`. */
interface NestSessionParamUse {
  controller: string;
  handler: string;
  parameterIndex: number;
}

/**
 * Nest's `@Session()` writes `'7:<index>'` (`RouteParamtypes.SESSION`) into the route arguments
 * metadata. Decorators made with `createParamDecorator`, ours included, write
 * `'<random id>__customRouteArgs__:<index>'`, whose id may start with a 7: only the whole shape counts.
 */
const NEST_SESSION_ARG = new RegExp(`^${RouteParamtypes.SESSION}:(\\d+)$`);

/** The uses of Nest's own `@Session()` in `controller`'s methods, inherited ones included. */
function findNestSessionParams(controller: Type, scanner: MetadataScanner): NestSessionParamUse[] {
  const uses: NestSessionParamUse[] = [];
  for (const handler of scanner.getAllMethodNames(controller.prototype as object)) {
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler) ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(args)) {
      const match = NEST_SESSION_ARG.exec(key);
      if (match) {
        uses.push({ controller: controller.name, handler, parameterIndex: Number(match[1]) });
      }
    }
  }
  return uses;
}

/** The start-up error naming every misused handler and the import that fixes it. */
function nestSessionClashError(uses: readonly NestSessionParamUse[]): SessionConfigurationError {
  const where = uses.map((use) => `  ${use.controller}.${use.handler}() (parameter ${use.parameterIndex})`).join('\n');
  return new SessionConfigurationError(
    `@Session() is imported from '@nestjs/common' instead of 'nest-sessions' in:\n${where}\n` +
      "Nest's own decorator reads request.session, which nest-sessions does not set: these routes would " +
      'answer 500 ("Cannot read properties of undefined"). Fix: import { Session } from \'nest-sessions\'.',
  );
}

/**
 * Stops the application at start-up when a controller takes its session through Nest's `@Session()`
 * (the one editors auto-import): every such route would fail on each request. Only controllers are
 * scanned: Nest's decorator is for HTTP routes, and resolvers and gateways are not controllers.
 */
@Injectable()
export class NestSessionDecoratorCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    const uses = this.discovery
      .getControllers()
      .flatMap((wrapper) => (wrapper.metatype ? findNestSessionParams(wrapper.metatype as Type, this.scanner) : []));
    if (uses.length > 0) {
      throw nestSessionClashError(uses);
    }
  }
}
