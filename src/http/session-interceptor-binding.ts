import type { ExecutionContext } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { SessionInterceptor } from './session.interceptor';

/**
 * Whether {@link SessionInterceptor} is bound to the handler or its class (`@Session()` binds it,
 * `@UseInterceptors(SessionInterceptor)` too): it then saves the session after the handler.
 */
export function commitsAfterHandler(context: ExecutionContext): boolean {
  return [context.getHandler(), context.getClass()].some((target) =>
    ((Reflect.getMetadata(INTERCEPTORS_METADATA, target) as unknown[] | undefined) ?? []).some(isSessionInterceptor),
  );
}

function isSessionInterceptor(interceptor: unknown): boolean {
  return (
    interceptor instanceof SessionInterceptor ||
    (typeof interceptor === 'function' &&
      (interceptor === SessionInterceptor || interceptor.prototype instanceof SessionInterceptor))
  );
}
