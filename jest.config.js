/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The heavy tiers build their own binaries and have their own commands, never here: the cluster (a multi-node server
  // on PostgreSQL, `npm run test:cluster`), the real model (`npm run test:real-model`), Jaeger (`npm run test:tracing`).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/', '<rootDir>/test/real-model/', '<rootDir>/test/tracing/'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  // Tests share one dev server; two workers keep a 2-core machine responsive.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};
