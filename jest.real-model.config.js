/**
 * The real-model tier (`npm run test:real-model`): runs agents against a real OpenAI-compatible model server
 * (llama-cpp-python serving SmolLM2-135M, built once into the cache folder: several minutes the first time), so it is
 * not part of `npm test`. Serial: the model server uses both cores while it generates.
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/real-model/**/*.test.ts'],
  // Builds (or finds) the model server first, then starts the Temporal dev server and bundles the workflows like `npm test`.
  globalSetup: '<rootDir>/test/real-model/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 300_000,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};
