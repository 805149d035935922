// The second half of `npm run build`: bundles the compiled workflows (dist/workflows) once into
// dist/workflow-bundle.js, with a stamp of what it was built from (dist/workflow-bundle.json), so a worker started
// from dist/ loads it instead of running webpack at start. A bundle that is still the bundle of this build is kept.
// The worker checks the stamp and bundles at start when it no longer matches (src/worker/run-worker.ts).
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Module ids in the bundle are relative to the current folder: build from the package root, as `npm run` does.
process.chdir(root);
const require = createRequire(import.meta.url);
const started = Date.now();
try {
  const { writePrebuiltWorkflowBundle } = require('../dist/worker/workflow-bundle.js');
  const { path, bytes, written } = await writePrebuiltWorkflowBundle();
  const what = written ? `written in ${((Date.now() - started) / 1000).toFixed(1)} s` : 'up to date';
  process.stdout.write(`Workflow bundle ${relative(root, path)} (${(bytes / 1024 / 1024).toFixed(1)} MB): ${what}.\n`);
} catch (error) {
  process.stderr.write(`Could not bundle the workflows: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
