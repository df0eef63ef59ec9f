import * as errors from './session.errors';

describe('session errors', () => {
  const instances = [
    new errors.SessionConfigurationError('bad option'),
    new errors.SessionStoreUnavailableError(),
    new errors.SessionTooLargeError(70_000, 65_536),
    new errors.SessionValueError('key', 'a reason'),
    new errors.SessionDataRejectedError('22P05', new Error('from the database')),
    new errors.SessionLimitExceededError(3),
    new errors.SessionStateError('destroyed'),
    new errors.SessionChangedError(),
  ];

  it('all extend SessionError and Error, and carry their class name', () => {
    for (const error of instances) {
      expect(error).toBeInstanceOf(errors.SessionError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('each has its own stable code', () => {
    expect(instances.map((error) => error.code)).toEqual([
      'SESSION_CONFIGURATION_INVALID',
      'SESSION_STORE_UNAVAILABLE',
      'SESSION_TOO_LARGE',
      'SESSION_VALUE_INVALID',
      'SESSION_DATA_REJECTED',
      'SESSION_LIMIT_EXCEEDED',
      'SESSION_STATE_INVALID',
      'SESSION_CHANGED',
    ]);
  });

  it('covers every error class the module exports', () => {
    const classes = Object.values(errors).filter(
      (value) => typeof value === 'function' && value !== errors.SessionError,
    );
    expect(classes).toHaveLength(instances.length);
  });
});
