import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection } from '@temporalio/worker';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { FEATURES } from '../../src/workflows/agent/features';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { createWorker } from '../../src/worker';
import { connectClient } from '../../src/config/connect';
import { historyEvents, patchIdsOf, recordHistory } from '../helpers/agent';
import { installQuietRuntime, testConfig, testWorkflowBundlePath, uniqueTaskQueue } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';

/**
 * Versioning discipline (docs/versioning.md): at the baseline the loop has one path, and every feature added since
 * (`FEATURES`) is recorded as a marker when a run starts and replayed from a recorded history in CI.
 */
describe('versioning baseline', () => {
  jest.setTimeout(120_000);

  it('a run started on the current code records one marker per feature (none at the baseline)', async () => {
    installQuietRuntime();
    const script = {
      turns: [
        { toolCalls: [{ name: 'sleep', arguments: { label: 'a', ms: 10 } }, { name: 'wait', arguments: { seconds: 1 } }, { name: 'no_such_tool', arguments: {} }] },
        { toolCalls: [{ name: 'sleep', arguments: { label: 'b', ms: 10 } }] },
        { content: 'done' },
      ],
    };
    const model = await startScriptedModel(compileScript(script));
    const config = testConfig();
    const taskQueue = uniqueTaskQueue('versioning-new');
    const connection = await NativeConnection.connect(config.connectionOptions);
    const client = await connectClient(config);
    try {
      const worker = await createWorker({
        config,
        connection,
        taskQueue,
        tools: createTestTools().tools,
        model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 },
        workflowBundle: { codePath: testWorkflowBundlePath() },
      });
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'new run' }] });
      const result = (await worker.runUntil(handle.result())) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', steps: 3, toolCalls: { ok: 3, failed: 1 } });
      const events = await historyEvents(handle);
      // One marker per feature of the record, none at the baseline.
      expect(patchIdsOf(events)).toEqual(Object.values(FEATURES));
      await recordHistory(handle, 'agent-baseline');
    } finally {
      await client.connection.close();
      await connection.close();
      await model.close();
    }
  });

  it('every feature has a recorded history that CI replays', () => {
    const histories = readdirSync(join(__dirname, '..', 'histories')).filter((name) => name.endsWith('.json'));
    const recorded = new Set(
      histories.flatMap((name) => patchIdsOf(historyFromJSON(JSON.parse(readFileSync(join(__dirname, '..', 'histories', name), 'utf8'))).events ?? [])),
    );
    const features: readonly string[] = Object.values(FEATURES);
    for (const id of features) expect({ feature: id, recorded: recorded.has(id) }).toEqual({ feature: id, recorded: true });
    // The histories themselves replay in test/replay/replay.test.ts; at least the baseline's is here.
    expect(histories).toContain('agent-baseline.json');
  });
});
