import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveJaegerBinary } from '../../src/observability/jaeger-binary';
import { startDevServer } from '../../src/temporal-server/dev-server';

/**
 * The tracing tier's setup (docs/contributing.md, "The tracing tier"): finds Jaeger's all-in-one in the cache folder or
 * builds it there with Go (once per machine, 10-20 minutes; a build that cannot be done fails the tier with why), then
 * starts one Temporal dev server on free ports for the tier's CLI runs. Each test file starts its own Jaeger.
 */
export default async function tracingGlobalSetup(): Promise<void> {
  const started = Date.now();
  const jaeger = await resolveJaegerBinary();
  process.stderr.write(`\ntracing tier: Jaeger ${jaeger} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  const folder = resolve('.temporal', `tracing-${process.pid}`);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const server = await startDevServer({ port: 0, uiPort: 0, dbFile: join(folder, 'temporal.sqlite') });
  globalThis.durableAgentTestServer = server;
  process.env.DURABLE_AGENT_TEST_ADDRESS = server.address;
  process.env.DURABLE_AGENT_TEST_FOLDER = folder;
}
