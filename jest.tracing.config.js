/**
 * The tracing tier (`npm run test:tracing`): runs the CLI with OTLP export on and reads its spans back from a real
 * Jaeger (the all-in-one, built once with Go into the cache folder: 10-20 minutes the first time), so it is not part of
 * `npm test`. Serial: each test file starts its own Jaeger.
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/tracing/**/*.test.ts'],
  // Builds (or finds) Jaeger first, then starts one Temporal dev server for the tier's runs.
  globalSetup: '<rootDir>/test/tracing/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 180_000,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};
