/**
 * The cluster tier (`npm run test:cluster`): builds and starts a multi-node Temporal server on PostgreSQL, so it is
 * not part of `npm test`. Serial: each test stands up its own cluster.
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  testTimeout: 900_000,
};
