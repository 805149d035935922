import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../src/temporal-server/dev-server';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOW_PRELOAD_MODULES, WORKFLOWS_PATH } from '../src/worker';

declare global {
  // Shared with global-teardown.ts, which Jest runs in the same process.
  var durableAgentTestServer: DevServer | undefined;
}

/**
 * Starts one real Temporal dev server for the whole test run (on free ports, with its own SQLite file)
 * and bundles the workflows once; test files read both locations from the environment.
 */
export default async function globalSetup(): Promise<void> {
  const folder = resolve('.temporal', `test-${process.pid}`);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });

  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: [...WORKFLOW_PRELOAD_MODULES], workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES], logger: quietLogger });
  const bundlePath = join(folder, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.DURABLE_AGENT_TEST_BUNDLE = bundlePath;

  const server = await startDevServer({ port: 0, uiPort: 0, dbFile: join(folder, 'temporal.sqlite') });
  globalThis.durableAgentTestServer = server;
  process.env.DURABLE_AGENT_TEST_ADDRESS = server.address;
  process.env.DURABLE_AGENT_TEST_UI_URL = server.uiUrl;
  process.env.DURABLE_AGENT_TEST_FOLDER = folder;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`bundler: ${message}\n`),
  error: (message: string) => process.stderr.write(`bundler: ${message}\n`),
};
