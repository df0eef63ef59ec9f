/** Unit tests sit beside the code; end-to-end tests live in test/ and need PostgreSQL (DATABASE_URL). */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  // ESM-only packages (NestJS 12 and the few below) become CommonJS: see jest.esm-to-cjs.js.
  '^.+\\.js$': '<rootDir>/jest.esm-to-cjs.js',
};
const ESM_ONLY = ['@nestjs', 'cookie', 'content-disposition'];
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];
const common = { testEnvironment: 'node', transform, transformIgnorePatterns, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  testTimeout: 30000,
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/src'], testRegex: '\\.spec\\.ts$' },
    { ...common, displayName: 'e2e', roots: ['<rootDir>/test'], testRegex: '\\.e2e-spec\\.ts$' },
  ],
};
