import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { connectClient } from '../../src/config/connect';
import { loadTemporalConfig, type TemporalConfig } from '../../src/config/temporal-config';
import { FsOutputDriver } from '../../src/outputs/fs-output-driver';
import { OutputStore } from '../../src/outputs/output-store';
import { createWorker, type AgentWorkerOptions } from '../../src/worker';

let runtimeInstalled = false;

/** Keeps worker logs to errors (expected retries and timeouts would otherwise flood the output), so test output stays readable. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed in this process by an earlier test file: keep it.
  }
}

/** Configuration pointing at the dev server that global-setup started. */
export function testConfig(): TemporalConfig {
  const address = process.env.DURABLE_AGENT_TEST_ADDRESS;
  if (!address) throw new Error('DURABLE_AGENT_TEST_ADDRESS is not set: run the tests through Jest (global-setup starts the server).');
  return loadTemporalConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' });
}

/** Path of the workflow bundle built once by global-setup. */
export function testWorkflowBundlePath(): string {
  const path = process.env.DURABLE_AGENT_TEST_BUNDLE;
  if (!path) throw new Error('DURABLE_AGENT_TEST_BUNDLE is not set: run the tests through Jest.');
  return path;
}

/** The folder of the test run's stored outputs (under the folder global-setup made), not the repository's own. */
export function testOutputFolder(): string {
  const folder = process.env.DURABLE_AGENT_TEST_FOLDER;
  if (!folder) throw new Error('DURABLE_AGENT_TEST_FOLDER is not set: run the tests through Jest.');
  return join(folder, 'outputs');
}

/** An output store in the test run's folder, as a worker of `config` would have (its blobs sealed with its keys). */
export function testOutputStore(config: TemporalConfig = testConfig(), thresholdBytes?: number): OutputStore {
  return new OutputStore(new FsOutputDriver(testOutputFolder()), { ...(config.encryption ? { keys: config.encryption } : {}), ...(thresholdBytes ? { thresholdBytes } : {}) });
}

/** A task queue no other test uses, so tests never steal each other's tasks. */
export function uniqueTaskQueue(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

export interface TestWorkerContext {
  client: Client;
  taskQueue: string;
  worker: Worker;
}

/** Starts a worker on a fresh task queue, runs `body` while it polls, then shuts it down and closes connections. */
export async function withTestWorker<T>(
  label: string,
  body: (context: TestWorkerContext) => Promise<T>,
  options: Omit<AgentWorkerOptions, 'config' | 'connection' | 'taskQueue' | 'workflowBundle'> = {},
): Promise<T> {
  installQuietRuntime();
  const config = testConfig();
  const taskQueue = uniqueTaskQueue(label);
  const connection = await NativeConnection.connect(config.connectionOptions);
  const client = await connectClient(config);
  try {
    const worker = await createWorker({
      // Large outputs go to the test run's folder unless the test brings its own store (or none).
      outputs: testOutputStore(config),
      ...options,
      config,
      connection,
      taskQueue,
      workflowBundle: { codePath: testWorkflowBundlePath() },
    });
    return await worker.runUntil(body({ client, taskQueue, worker }));
  } finally {
    await client.connection.close();
    await connection.close();
  }
}
