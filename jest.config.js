/**
 * One project per folder of test/, so that each suite runs alone (`jest --selectProjects unit`, or `npm run test:unit`)
 * and `jest` alone runs them all. The private redis-server is started only for the suites that use it: jest runs a
 * project's globalSetup only when at least one of its tests is in the run (so the unit tests start no Redis), and runs
 * a setup that several projects name once (so a run of several suites shares one redis-server).
 */
// swc strips types only; `npm run typecheck` (tsc) is the type check.
// openid-client and the libraries under it are ES modules only: node's own require loads them (the line's compiled
// code), jest's module loader does not, so swc makes CommonJS of them too, as it does of the sources.
const ESM_ONLY = ['openid-client', 'oauth4webapi', 'jose'];
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['@swc/jest', { jsc: { target: 'es2022' } }],
};
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];

/** The project of test/`folder`; `redis` when its tests use the run's private redis-server (TEST_REDIS_URL). */
function suite(folder, { redis }) {
  return {
    displayName: folder,
    testEnvironment: 'node',
    roots: [`<rootDir>/test/${folder}`],
    testMatch: ['**/*.test.ts'],
    transform,
    transformIgnorePatterns,
    ...(redis && {
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    }),
  };
}

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    suite('unit', { redis: false }),
    suite('store', { redis: true }),
    suite('integration', { redis: true }),
    suite('faults', { redis: true }),
    suite('browser', { redis: true }),
  ],
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};
