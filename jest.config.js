/**
 * Unit tests sit beside the code; end-to-end tests live in test/ and need PostgreSQL (DATABASE_URL).
 * The e2e files about sessions over HTTP run again on Redis (127.0.0.1:6379, or E2E_REDIS_URL), on
 * a six-node Redis Cluster that the e2e-cluster project starts for its run, and on PostgreSQL with
 * the session cache on (e2e-cache).
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  // ESM-only packages (NestJS 12 and the few below) become CommonJS: see jest.esm-to-cjs.js.
  '^.+\\.js$': '<rootDir>/jest.esm-to-cjs.js',
};
const ESM_ONLY = ['@nestjs', 'cookie', 'content-disposition'];
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];
const common = { testEnvironment: 'node', transform, transformIgnorePatterns, moduleFileExtensions: ['ts', 'js', 'json'] };

/**
 * The e2e files that run on every store: the session's behaviour through the sample. The others test
 * PostgreSQL and TypeORM themselves (migrations, cleanup, faults, outages), or build their own
 * TypeORM-backed apps, or need no store at all.
 */
const ON_EVERY_STORE = [
  'auth',
  'bad-input',
  'concurrency',
  'cookies',
  'expiry',
  'fuzz',
  'limits',
  'races',
  'request-bodies',
  'routes',
  'session-events',
  'session-cache',
  'session-policies',
  'shutdown',
  'trust-proxy',
  'user-sessions',
  // Issue 12: step-up, credential changes, CSRF, header tokens, live connections, encryption at rest.
  'reauthentication',
  'csrf',
  'header-tokens',
  'live-connections',
  'encryption',
  // Issue 13: Device Bound Session Credentials.
  'dbsc',
];
const onRedis = {
  ...common,
  roots: ['<rootDir>/test'],
  testRegex: `/test/(${ON_EVERY_STORE.join('|')})\\.e2e-spec\\.ts$`,
  setupFilesAfterEnv: ['<rootDir>/test/setup/redis-keys-cleanup.ts'],
};

module.exports = {
  testTimeout: 30000,
  // Three workers on two cores: e2e files spend most of their time waiting on sockets and timers,
  // and a third worker cut the whole run from about 500 s to 440 s.
  maxWorkers: 3,
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/src'], testRegex: '\\.spec\\.ts$' },
    { ...common, displayName: 'e2e', roots: ['<rootDir>/test'], testRegex: '\\.e2e-spec\\.ts$' },
    { ...onRedis, displayName: 'e2e-redis', setupFiles: ['<rootDir>/test/setup/store-redis.ts'] },
    // The same files on PostgreSQL with the session cache on: it must change no behaviour they check.
    {
      ...common,
      displayName: 'e2e-cache',
      roots: ['<rootDir>/test'],
      testRegex: onRedis.testRegex,
      setupFiles: ['<rootDir>/test/setup/cache-on.ts'],
    },
    {
      ...onRedis,
      displayName: 'e2e-cluster',
      setupFiles: ['<rootDir>/test/setup/store-cluster.ts'],
      // Run only when a file of this project is: one cluster for all its files (E2E_REDIS_CLUSTER_NODES).
      globalSetup: '<rootDir>/test/setup/redis-cluster.global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/redis-cluster.global-teardown.ts',
    },
  ],
};
