import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { dataConverterFor } from '../../src/codec/data-converter';
import { connectClient } from '../../src/config/connect';
import { loadTemporalConfig } from '../../src/config/temporal-config';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { FsOutputDriver } from '../../src/outputs/fs-output-driver';
import { OutputStore } from '../../src/outputs/output-store';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { createWorker } from '../../src/worker';
import { installQuietRuntime, testWorkflowBundlePath, uniqueTaskQueue } from '../helpers/temporal';

const ANSWER_BYTES = 600_000;

/**
 * The backstop for payloads other than tool outputs (docs/outputs.md, "Other payloads"): with
 * DURABLE_AGENT_EXTERNAL_PAYLOADS on, Temporal's external storage keeps every payload above the threshold in the output
 * store, encrypted by the codec before it is stored.
 */
describe('external payloads (DURABLE_AGENT_EXTERNAL_PAYLOADS)', () => {
  jest.setTimeout(120_000);

  it('a 600 KB model answer and result stay out of history, read back by a client with the store, replayed, and expire with a prune', async () => {
    installQuietRuntime();
    const folder = mkdtempSync(join(tmpdir(), 'external-payloads-'));
    const address = process.env.DURABLE_AGENT_TEST_ADDRESS ?? '';
    const config = loadTemporalConfig({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      DURABLE_AGENT_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      DURABLE_AGENT_EXTERNAL_PAYLOADS: 'true',
      DURABLE_AGENT_OUTPUT_DIR: folder,
    });
    expect(config.externalStorage?.payloadSizeThreshold).toBe(131_072);
    const store = new OutputStore(new FsOutputDriver(folder), { keys: config.encryption });
    const model = await startScriptedModel(compileScript({ turns: [{ content: 'A'.repeat(ANSWER_BYTES) }] }));
    const connection = await NativeConnection.connect(config.connectionOptions);
    const client = await connectClient(config);
    const taskQueue = uniqueTaskQueue('external-payloads');
    const workflowId = `${taskQueue}-1`;
    try {
      const worker = await createWorker({
        config,
        connection,
        taskQueue,
        workflowBundle: { codePath: testWorkflowBundlePath() },
        outputs: store,
        model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 },
      });
      const handle = await worker.runUntil(async () => {
        const started = await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'answer at length' }] });
        const result = (await started.result()) as AgentRunResult;
        expect(result).toMatchObject({ status: 'final' });
        expect(result.answer).toHaveLength(ANSWER_BYTES);
        return started;
      });
      const description = await handle.describe();
      // Without the store, the answer would be in history twice (the planner's result and the run's result).
      expect(Number(description.raw.workflowExecutionInfo?.historySizeBytes ?? 0)).toBeLessThan(100_000);
      const blobs = (await store.runs('default')).find((entry) => entry.workflowId === workflowId);
      expect(blobs?.blobs).toBeGreaterThanOrEqual(2);
      expect(blobs?.bytes).toBeGreaterThan(2 * ANSWER_BYTES);

      // A replayer with the same data converter replays it; a client without the store cannot read the result.
      const history = await handle.fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle: { codePath: testWorkflowBundlePath() }, dataConverter: dataConverterFor(config.encryption, config.externalStorage) }, history, workflowId)).resolves.toBeUndefined();
      const withoutStore = new Client({ connection: client.connection, dataConverter: dataConverterFor(config.encryption) });
      await expect(withoutStore.workflow.getHandle(workflowId).result()).rejects.toThrow(/external storage is not configured/);

      // Pruned with the run's other blobs: reading the result now says the payload is gone.
      expect(await store.deleteRun('default', workflowId)).toBe(blobs?.blobs);
      await expect(client.workflow.getHandle(workflowId).result()).rejects.toThrow(/is gone/);
    } finally {
      await client.connection.close();
      await connection.close();
      await model.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
