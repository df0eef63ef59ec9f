import { SECRET, resolve, expectFailure } from './session-options.fixture';

describe('resolveSessionOptions', () => {
  describe('validation', () => {
    it.each([undefined, null, 'secret'])('refuses a missing options object (%p)', (options) => {
      expectFailure(options, /options object/, /secret/);
    });

    it.each([
      ['absent', {}],
      ['undefined', { secret: undefined }],
      ['an empty array', { secret: [] }],
    ])('refuses a secret that is %s, saying how to provide one', (_label, options) => {
      expectFailure(options, /`secret` is missing/, /at least 32 characters/);
    });

    it('refuses a secret shorter than 32 characters, giving its length', () => {
      expectFailure({ secret: 'x'.repeat(31) }, /`secret` is 31 characters long/, /at least 32/);
      expectFailure({ secret: '' }, /`secret` is 0 characters long/);
      expect(resolve({ secret: 'x'.repeat(32) }).secrets).toEqual(['x'.repeat(32)]);
    });

    it('names the index of a short secret inside an array', () => {
      expectFailure({ secret: [SECRET, 'short'] }, /secret\[1\] is 5 characters long/, /at least 32/);
      expectFailure({ secret: ['short', SECRET] }, /secret\[0\]/);
    });

    it.each([
      ['a number', { secret: 42 }, /`secret` must be a string/],
      ['null', { secret: null }, /`secret` must be a string/],
      ['an object', { secret: { value: SECRET } }, /`secret` must be a string/],
      ['a number inside an array', { secret: [SECRET, 42] }, /secret\[1\] must be a string/],
    ])('refuses a secret that is %s', (_label, options, pattern) => {
      expectFailure(options, pattern);
    });

    it.each(['relaxed', 'None ', '', true])('refuses the unknown sameSite %p, listing the valid ones', (sameSite) => {
      expectFailure({ secret: SECRET, cookie: { sameSite } }, /cookie\.sameSite/, /unknown/, /lax, strict, none/);
    });

    it('refuses sameSite none without secure, saying to set secure', () => {
      expect(resolve({ cookie: { sameSite: 'none' } }).cookie).toMatchObject({ sameSite: 'none', secure: true });
      expectFailure(
        { secret: SECRET, cookie: { sameSite: 'none', secure: false } },
        /sameSite "none" requires cookie\.secure: true/,
      );
    });

    describe.each(['idleTimeout', 'absoluteTimeout', 'storeTimeout', 'maxSessionBytes', 'cleanupBatchSize'])(
      '%s',
      (name) => {
        it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '1000'])(
          'refuses %p, naming the option',
          (value) => {
            expectFailure(
              { secret: SECRET, [name]: value },
              new RegExp(`\`${name}\` must be a positive number`),
              new RegExp(`got ${String(value)}`),
            );
          },
        );
      },
    );

    it('gives the unit of each positive option', () => {
      expectFailure({ secret: SECRET, idleTimeout: 0 }, /milliseconds/);
      expectFailure({ secret: SECRET, maxSessionBytes: 0 }, /bytes/);
      expectFailure({ secret: SECRET, cleanupBatchSize: 0 }, /rows/);
    });

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses cleanupInterval %p, saying 0 or more', (value) => {
      expectFailure(
        { secret: SECRET, cleanupInterval: value },
        /`cleanupInterval` must be a number of milliseconds, 0 or more/,
      );
    });

    it.each(['', 'my session', 'a;b', 'a=b', 'sess,ion', 'sé', 'a"b'])(
      'refuses the cookie name %p, listing the allowed characters',
      (name) => {
        expectFailure(
          { secret: SECRET, cookie: { name } },
          /cookie\.name/,
          /not a valid cookie name/,
          /letters, digits/,
        );
      },
    );

    it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '60000', null])(
      'refuses renewAfter %p, asking for a positive number of milliseconds',
      (renewAfter) => {
        expectFailure(
          { secret: SECRET, renewAfter },
          /`renewAfter` must be a positive number of milliseconds/,
          new RegExp(`got ${String(renewAfter)}`),
        );
      },
    );

    it.each([0, -2, Number.NaN, Number.POSITIVE_INFINITY, '3'])(
      'refuses maxSessionsPerUser %p, asking for a positive number of sessions',
      (maxSessionsPerUser) => {
        expectFailure(
          { secret: SECRET, maxSessionsPerUser },
          /`maxSessionsPerUser` must be a positive number of sessions/,
          new RegExp(`got ${String(maxSessionsPerUser)}`),
        );
      },
    );

    it.each([1.5, 0.5])('refuses maxSessionsPerUser %p, asking for a whole number', (maxSessionsPerUser) => {
      expectFailure(
        { secret: SECRET, maxSessionsPerUser },
        /`maxSessionsPerUser` must be a whole number/,
        new RegExp(`got ${maxSessionsPerUser}`),
      );
    });

    it.each(['evict-newest', 'Refuse', '', 42])(
      'refuses the unknown sessionLimitPolicy %p, listing the valid ones',
      (policy) => {
        expectFailure(
          { secret: SECRET, sessionLimitPolicy: policy },
          /`sessionLimitPolicy` "[^"]*" is unknown/,
          /use one of evict-oldest, refuse/,
        );
      },
    );

    it.each([
      ['bind.ip', { bind: { ip: 1 } }],
      ['bind.userAgent', { bind: { userAgent: 'yes' } }],
      ['rolling', { rolling: 'true' }],
      ['cookie.secure', { cookie: { secure: 'false' } }],
      ['checkStoreOnStart', { checkStoreOnStart: 'false' }],
    ])('refuses a %s that is not a boolean (a string from the environment, say)', (name, options) => {
      expectFailure(
        { secret: SECRET, ...options },
        new RegExp(`\`${name.replace('.', '\\.')}\` must be true or false`),
      );
    });

    it('refuses trustProxy: true, explaining that it believes any client and what to give instead', () => {
      expectFailure(
        { secret: SECRET, trustProxy: true },
        /`trustProxy: true` would believe any client/,
        /'loopback'/,
        /number of hops/,
      );
    });

    it.each(['false', 'proxy.internal', ['10.0.0.1', 'nope'], -1, 1.5, { ip: '10.0.0.1' }])(
      'refuses the trustProxy %p',
      (trustProxy) => {
        expectFailure({ secret: SECRET, trustProxy }, /^SessionModule: `trustProxy`/);
      },
    );

    it('compiles trustProxy once into a trust function of (address, hop)', () => {
      const { trustProxy } = resolve({ trustProxy: 'loopback, 10.0.0.0/8' });
      expect(trustProxy?.('127.0.0.1', 0)).toBe(true);
      expect(trustProxy?.('10.9.8.7', 1)).toBe(true);
      expect(trustProxy?.('198.51.100.7', 2)).toBe(false);
    });

    it.each(['acme', { name: 'acme' }, 42, true])('refuses a tenant that is not a function (%p)', (tenant) => {
      expectFailure({ secret: SECRET, tenant }, /`tenant` must be a function of the request/, /tenant name/);
    });

    it('throws errors that are SessionConfigurationError and name the module', () => {
      expectFailure({ secret: SECRET, idleTimeout: -5 }, /^SessionModule: /);
    });
  });
});
