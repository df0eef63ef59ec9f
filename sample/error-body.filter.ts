import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Every error answers `{"error": "..."}` with its status, as the contract says, plus the stable
 * `code` of the errors that carry one (`REAUTHENTICATION_REQUIRED`, the CSRF codes).
 */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('Sample');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const clientError = exposedClientError(exception);
    const status =
      exception instanceof HttpException
        ? exception.getStatus()
        : (clientError?.status ?? HttpStatus.INTERNAL_SERVER_ERROR);
    if (status >= 500 && !(exception instanceof HttpException)) {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    }
    const error =
      exception instanceof HttpException ? messageOf(exception) : (clientError?.message ?? 'Internal server error');
    const code = exception instanceof HttpException ? codeOf(exception) : undefined;
    const body = code === undefined ? { error } : { error, code };
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, status);
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
}

/** The stable code an exception's body carries (`{ message, code }`), if any. */
function codeOf(exception: HttpException): string | undefined {
  const response = exception.getResponse();
  const code = typeof response === 'object' ? (response as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Express's body parser throws http-errors meant for the client (413 body too large, 415 charset),
 * which Nest passes on unmapped. Fastify's equivalents (`FST_ERR_CTP_BODY_TOO_LARGE`...) carry a
 * `statusCode`; NestJS 11.1.1 and later turn them into HttpExceptions, older 11.x pass them on as they
 * are. All answer alike.
 */
function exposedClientError(exception: unknown): { status: number; message: string } | undefined {
  const { status, statusCode, expose, code, message } = (exception ?? {}) as {
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const fromFastify = typeof code === 'string' && code.startsWith('FST_');
  const clientStatus = expose === true ? status : fromFastify ? statusCode : undefined;
  return exception instanceof Error && typeof clientStatus === 'number' && clientStatus >= 400 && clientStatus < 500
    ? { status: clientStatus, message: String(message) }
    : undefined;
}
