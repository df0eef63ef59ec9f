import {
  BadRequestException,
  ConflictException,
  HttpException,
  PayloadTooLargeException,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  SessionDataRejectedError,
  SessionLimitExceededError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  SessionValueError,
} from '../core/session.errors';

/** The one place where session errors become HTTP statuses; anything else passes through unchanged. */
export function toHttpException(error: unknown): unknown {
  if (error instanceof HttpException) {
    return error;
  }
  if (error instanceof SessionStoreUnavailableError) {
    return new ServiceUnavailableException(error.message, { cause: error });
  }
  if (error instanceof SessionTooLargeError) {
    return new PayloadTooLargeException(error.message, { cause: error });
  }
  if (error instanceof SessionLimitExceededError) {
    return new ConflictException(error.message, { cause: error });
  }
  if (error instanceof SessionValueError || error instanceof SessionDataRejectedError) {
    return new BadRequestException(error.message, { cause: error });
  }
  return error;
}
