/**
 * Tests share one real local stack (`npm run stack -- up --with-test-server`): a file that uses it holds it
 * alone (test/support/stack-environment.ts), and the `@isolated` ones run beside it on the second worker.
 */
module.exports = {
  testEnvironment: '<rootDir>/test/support/stack-environment.ts',
  testSequencer: '<rootDir>/test/support/stack-sequencer.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  maxWorkers: 2,
  // The Temporal SDK's native runtime keeps threads alive after the last test; end the run anyway.
  forceExit: true,
  testTimeout: 120_000,
};
