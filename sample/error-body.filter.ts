import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** Every error answers `{"error": "..."}` with its status, as the contract says. */
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
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), { error }, status);
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

/**
 * Express's body parser throws http-errors meant for the client (413 body too large, 415 charset),
 * which Nest passes on unmapped; Fastify's equivalents arrive as HttpExceptions. Both answer alike.
 */
function exposedClientError(exception: unknown): { status: number; message: string } | undefined {
  const { status, expose, message } = (exception ?? {}) as { status?: unknown; expose?: unknown; message?: unknown };
  return exception instanceof Error && expose === true && typeof status === 'number' && status >= 400 && status < 500
    ? { status, message: String(message) }
    : undefined;
}
