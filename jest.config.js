/** Unit tests sit beside the code; end-to-end tests live in test/ and need PostgreSQL (DATABASE_URL). */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  projects: [
    { displayName: 'unit', testEnvironment: 'node', roots: ['<rootDir>/src'], testRegex: '\\.spec\\.ts$', transform, moduleFileExtensions: ['ts', 'js', 'json'] },
    { displayName: 'e2e', testEnvironment: 'node', roots: ['<rootDir>/test'], testRegex: '\\.e2e-spec\\.ts$', transform, moduleFileExtensions: ['ts', 'js', 'json'], testTimeout: 30000 },
  ],
};
