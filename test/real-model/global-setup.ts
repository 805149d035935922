import globalSetup from '../global-setup';
import { resolveLlamaServer } from './helpers/llama-server';

/**
 * The real-model tier's setup: finds llama-cpp-python's server in the cache folder or builds it there (once per machine,
 * several minutes; a build that cannot be done fails the tier with why), then starts the Temporal dev server and bundles
 * the workflows as `npm test` does. Each test file starts its own model server (by pid, stopped in its `afterAll`).
 */
export default async function realModelGlobalSetup(): Promise<void> {
  const started = Date.now();
  const { launcher, modelPath } = await resolveLlamaServer();
  process.stderr.write(`\nreal-model tier: llama-cpp-python server ${launcher}, model ${modelPath} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  await globalSetup();
}
