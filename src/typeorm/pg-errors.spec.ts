import { BadRequestException } from '@nestjs/common';
import {
  SessionDataRejectedError,
  SessionLimitExceededError,
  SessionStoreUnavailableError,
} from '../core/session.errors';
import { toHttpException } from '../http/session-http-errors';
import { callStore } from '../store/session-store-call';
import { SessionStoreHealth } from '../store/session-store-health';
import { isDataException, toStoreError } from './pg-errors';

/** An error as node-postgres reports one from the server: a message and a five-character SQLSTATE. */
function pgError(code: string, message = 'refused'): Error {
  return Object.assign(new Error(message), { code });
}

describe('PostgreSQL data exceptions (SQLSTATE class 22)', () => {
  it.each(['22P05', '22021', '22P02', '22001', '22003', '22000'])('%s is a data exception', (code) => {
    expect(isDataException(pgError(code))).toBe(true);
    const translated = toStoreError(pgError(code));
    expect(translated).toBeInstanceOf(SessionDataRejectedError);
    expect((translated as SessionDataRejectedError).sqlState).toBe(code);
    expect((translated as SessionDataRejectedError).message).toContain(code);
  });

  it.each<[string, unknown]>([
    ['a connection error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['an undefined table (42P01)', pgError('42P01')],
    ['a unique violation (23505)', pgError('23505')],
    ['a lock timeout (55P03)', pgError('55P03')],
    ['a query canceled (57014)', pgError('57014')],
    ['a too many connections (53300)', pgError('53300')],
    ['a code that only starts like one', Object.assign(new Error('x'), { code: '22' })],
    ['an error without code', new Error('timeout')],
    ['a session error', new SessionLimitExceededError(3)],
    ['null', null],
    ['a string', 'failed'],
  ])('%s is passed on unchanged', (_label, error) => {
    expect(isDataException(error)).toBe(false);
    expect(toStoreError(error)).toBe(error);
  });

  it('keeps the server error as the cause, for whoever logs it', () => {
    const original = pgError('22P05', 'unsupported Unicode escape sequence');
    expect((toStoreError(original) as Error).cause).toBe(original);
  });

  it('goes through callStore untouched, as an answer and not an outage, and is answered 400', async () => {
    const health = new SessionStoreHealth();
    const failed = jest.spyOn(health, 'failed');
    const answered = jest.spyOn(health, 'answered');
    const rejected = toStoreError(pgError('22P05'));

    await expect(callStore(() => Promise.reject(rejected), 1000, health)).rejects.toBe(rejected);

    expect(failed).not.toHaveBeenCalled();
    expect(answered).toHaveBeenCalledTimes(1);
    expect(rejected).not.toBeInstanceOf(SessionStoreUnavailableError);
    const http = toHttpException(rejected);
    expect(http).toBeInstanceOf(BadRequestException);
    expect((http as BadRequestException).getStatus()).toBe(400);
  });
});
