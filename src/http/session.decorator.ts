import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { SESSION_PARAM_KEY } from '../core/session.constants';
import { RequestStates } from '../lifecycle/request-state';
import { sessionRequestOf } from './platform/execution-transport';
import type { Session as SessionShape } from '../core/session.interface';
import type { SessionData } from '../store/stored-session.interface';

/**
 * The request's session: `@Session() session: Session<MyData>`. The type and the decorator share
 * the name, as users write them side by side.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Session<T extends object = SessionData> extends SessionShape<T> {}

const SessionParam = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = sessionRequestOf(context);
  const session = request && RequestStates.sessionOf(request);
  if (!session) {
    throw new Error(
      '@Session() found no session: import SessionModule.forRoot() in the application module ' +
        '(in a WebSocket gateway, also add @UseInterceptors(SessionInterceptor) to the gateway).',
    );
  }
  return session;
});

/**
 * Injects the request's {@link Session}. Marks the handler so the session interceptor loads the
 * session for it; handlers without it never touch the store.
 */
export function Session(): ParameterDecorator {
  return (target, propertyKey, parameterIndex) => {
    SessionParam()(target, propertyKey, parameterIndex);
    if (propertyKey !== undefined) {
      const handler = (target as Record<string | symbol, unknown>)[propertyKey];
      Reflect.defineMetadata(SESSION_PARAM_KEY, true, handler as object);
    }
  };
}
