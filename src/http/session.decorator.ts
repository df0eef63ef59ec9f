import { createParamDecorator, type ExecutionContext, UseInterceptors } from '@nestjs/common';
import { SESSION_PARAM_KEY } from '../core/session.constants';
import { RequestStates } from '../lifecycle/request-state';
import { sessionRequestOf } from './platform/execution-transport';
import type { Session as SessionShape } from '../core/session.interface';
import type { SessionData } from '../store/stored-session.interface';
import { SessionInterceptor } from './session.interceptor';

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
    throw new Error('@Session() found no session: import SessionModule.forRoot() in the application module.');
  }
  return session;
});

/**
 * Injects the request's {@link Session}, and binds {@link SessionInterceptor} to the handler, which
 * loads the session before it runs and saves it before the response goes out. Handlers without it
 * have no interceptor of this module: they cost what they cost without it.
 */
export function Session(): ParameterDecorator {
  return (target, propertyKey, parameterIndex) => {
    SessionParam()(target, propertyKey, parameterIndex);
    if (propertyKey === undefined) {
      return;
    }
    const descriptor = Object.getOwnPropertyDescriptor(target, propertyKey);
    const handler = descriptor?.value as object | undefined;
    if (handler !== undefined && Reflect.getMetadata(SESSION_PARAM_KEY, handler) !== true) {
      Reflect.defineMetadata(SESSION_PARAM_KEY, true, handler);
      UseInterceptors(SessionInterceptor)(target, propertyKey, descriptor!);
    }
  };
}
