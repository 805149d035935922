import { readFileSync } from 'node:fs';

/**
 * The workflow bundle preloads zod once per worker thread (WORKFLOW_PRELOAD_MODULES). zod declares itself free of
 * side effects, so a preload whose import the bundler judged unused would silently become an empty function and
 * zod would be evaluated again for every run: this checks the bundle the tests run on.
 */
describe('the workflow bundle', () => {
  it('loads the preload module (and with it zod) in its preload function', () => {
    const code = readFileSync(process.env.DURABLE_AGENT_TEST_BUNDLE ?? '', 'utf8');
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
    expect(preload).toMatch(/__webpack_require__\([^)]*workflows\/preload/);
    expect(code).toMatch(/node_modules\/zod\//);
  });
});
