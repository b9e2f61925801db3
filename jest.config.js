/** Tests share one real local stack (`npm run stack -- up --with-test-server`), so they run in band. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  maxWorkers: 1,
  // The Temporal SDK's native runtime keeps threads alive after the last test; end the run anyway.
  forceExit: true,
  testTimeout: 120_000,
};
