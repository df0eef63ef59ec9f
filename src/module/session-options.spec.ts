import { SECRET, OTHER_SECRET, resolve, expectFailure } from './session-options.fixture';

describe('resolveSessionOptions', () => {
  describe('defaults', () => {
    it('fills in every default', () => {
      expect(resolve()).toEqual({
        secrets: [SECRET],
        cookie: { name: '__Host-sid', path: '/', domain: undefined, httpOnly: true, secure: true, sameSite: 'lax' },
        clearSiteData: [],
        idleTimeout: 24 * 60 * 60 * 1000,
        absoluteTimeout: 7 * 24 * 60 * 60 * 1000,
        rolling: true,
        saveUninitialized: false,
        maxSessionBytes: 65_536,
        cleanupInterval: 60_000,
        cleanupBatchSize: 1000,
        storeTimeout: 3000,
        trustProxy: null,
        renewAfter: null,
        renewalGracePeriod: 10_000,
        bind: { ip: false, userAgent: false },
        tenant: null,
        maxSessionsPerUser: null,
        sessionLimitPolicy: 'evict-oldest',
        cache: null,
        checkStoreOnStart: true,
        legacyCookie: null,
        dbsc: null,
        freshAge: 300_000,
        assuranceTimeouts: new Map(),
        csrf: { enabled: true, header: 'x-csrf-token', field: '_csrf' },
        liveConnections: false,
        encryption: null,
        transport: 'cookie',
        tokenHeader: 'Session-Token',
      });
    });

    it('makes the cookie secure by default, in every environment', () => {
      const previous = process.env.NODE_ENV;
      try {
        for (const environment of ['production', 'development', 'test']) {
          process.env.NODE_ENV = environment;
          expect(resolve().cookie.secure).toBe(true);
        }
      } finally {
        process.env.NODE_ENV = previous;
      }
    });

    it('names the cookie __Host-sid only where the prefix fits: secure, path /, no domain', () => {
      expect(resolve().cookie.name).toBe('__Host-sid');
      expect(resolve({ cookie: { secure: false } }).cookie.name).toBe('sid');
      expect(resolve({ cookie: { path: '/app' } }).cookie.name).toBe('sid');
      expect(resolve({ cookie: { domain: 'example.com' } }).cookie.name).toBe('sid');
      expect(resolve({ cookie: { name: 'custom' } }).cookie.name).toBe('custom');
    });

    it('lets an explicit secure setting turn it off', () => {
      expect(resolve({ cookie: { secure: false } }).cookie.secure).toBe(false);
    });

    it('refuses a prefixed cookie name whose attributes browsers would reject', () => {
      expectFailure({ secret: SECRET, cookie: { name: '__Host-x', secure: false } }, /needs cookie\.secure: true/);
      expectFailure({ secret: SECRET, cookie: { name: '__Secure-x', secure: false } }, /needs cookie\.secure: true/);
      expectFailure(
        { secret: SECRET, cookie: { name: '__Host-x', path: '/app' } },
        /needs cookie\.path "\/" and no cookie\.domain/,
      );
      expectFailure({ secret: SECRET, cookie: { name: '__Host-x', domain: 'a.example' } }, /no cookie\.domain/);
      expect(resolve({ cookie: { name: '__Secure-x', domain: 'a.example' } }).cookie.name).toBe('__Secure-x');
    });

    it('takes clearSiteData types, and refuses others', () => {
      expect(resolve({ clearSiteData: ['cookies', 'storage', 'cookies'] }).clearSiteData).toEqual([
        'cookies',
        'storage',
      ]);
      expectFailure({ secret: SECRET, clearSiteData: ['cache'] }, /clearSiteData/);
      expectFailure({ secret: SECRET, clearSiteData: 'cookies' }, /clearSiteData/);
    });

    it('keeps the values it is given', () => {
      const tenant = () => 'acme';
      const trustProxy = (_address: string, hop: number) => hop < 1;
      // Every option but the secret; a new copy at each call, so the expectation shares no object with the input.
      const given = () => ({
        cookie: {
          name: '__Secure-session',
          path: '/app',
          domain: 'example.com',
          httpOnly: false,
          secure: true,
          sameSite: 'strict',
        },
        idleTimeout: 1000,
        absoluteTimeout: 5000,
        rolling: false,
        saveUninitialized: true,
        maxSessionBytes: 10,
        cleanupInterval: 0,
        cleanupBatchSize: 5,
        storeTimeout: 50,
        trustProxy,
        renewAfter: 60_000,
        renewalGracePeriod: 500,
        bind: { ip: true, userAgent: true },
        tenant,
        maxSessionsPerUser: 3,
        sessionLimitPolicy: 'refuse',
        clearSiteData: ['storage'],
        cache: { ttl: 2000, maxEntries: 50 },
        checkStoreOnStart: false,
      });
      expect(resolve({ secret: [SECRET, OTHER_SECRET], ...given() })).toEqual({
        secrets: [SECRET, OTHER_SECRET],
        ...given(),
        legacyCookie: null,
        dbsc: null,
        freshAge: 300_000,
        assuranceTimeouts: new Map(),
        csrf: { enabled: true, header: 'x-csrf-token', field: '_csrf' },
        liveConnections: false,
        encryption: null,
        transport: 'cookie',
        tokenHeader: 'Session-Token',
      });
    });

    it('takes cache with a positive ttl, 10 000 entries by default, and refuses others', () => {
      expect(resolve({ cache: { ttl: 5000 } }).cache).toEqual({ ttl: 5000, maxEntries: 10_000 });
      expectFailure({ secret: SECRET, cache: { ttl: 0 } }, /cache\.ttl/);
      expectFailure({ secret: SECRET, cache: {} }, /cache\.ttl/);
      expectFailure({ secret: SECRET, cache: 5000 }, /`cache` must be an object/);
      expectFailure({ secret: SECRET, cache: { ttl: 10, maxEntries: 1.5 } }, /cache\.maxEntries/);
    });

    it('accepts sameSite in any case and normalizes it', () => {
      expect(resolve({ cookie: { sameSite: 'Strict' } }).cookie.sameSite).toBe('strict');
    });

    it('accepts sameSite none together with secure', () => {
      expect(resolve({ cookie: { sameSite: 'none', secure: true } }).cookie.sameSite).toBe('none');
    });

    it('binds only what is asked for', () => {
      expect(resolve({ bind: { ip: true } }).bind).toEqual({ ip: true, userAgent: false });
      expect(resolve({ bind: { userAgent: true } }).bind).toEqual({ ip: false, userAgent: true });
      expect(resolve({ bind: {} }).bind).toEqual({ ip: false, userAgent: false });
    });

    it('keeps evict-oldest as the policy when only maxSessionsPerUser is given', () => {
      expect(resolve({ maxSessionsPerUser: 1 })).toMatchObject({
        maxSessionsPerUser: 1,
        sessionLimitPolicy: 'evict-oldest',
      });
    });

    it('allows cleanupInterval 0 (no scheduled cleanup)', () => {
      expect(resolve({ cleanupInterval: 0 }).cleanupInterval).toBe(0);
    });
  });
});
