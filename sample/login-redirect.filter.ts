import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, UnauthorizedException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** On the HTML pages, a visitor who is not logged in is sent to the login form rather than shown a JSON 401. */
@Catch(UnauthorizedException)
export class LoginRedirectFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(_exception: UnauthorizedException, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    httpAdapter.redirect(response, HttpStatus.FOUND, '/');
  }
}
