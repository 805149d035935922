import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, bundleWorkflowCode, type Worker } from '@temporalio/worker';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { PATCHES } from '../../src/workflows/agent/patches';
import type { AgentRunResult } from '../../src/shared/model';
import { createWorker } from '../../src/worker';
import { connectClient } from '../../src/config/connect';
import { historyEvents, recordHistory } from '../helpers/agent';
import { installQuietRuntime, testConfig, testWorkflowBundlePath, uniqueTaskQueue } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Ids of the patches a history's markers record. */
function patchIds(events: readonly temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((event) => {
    const payload = event.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return payload ? [(JSON.parse(Buffer.from(payload).toString('utf8')) as { id: string }).id] : [];
  });
}

/**
 * Versioning discipline (docs/versioning.md): a run started on the previous workflow code (frozen in
 * test/fixtures/workflow-v1, commit ba593dc) and still in flight when the workers are redeployed is finished
 * by the current code, on its old path.
 */
describe('a deploy does not break runs in flight', () => {
  jest.setTimeout(120_000);

  it('a run started on the v1 code finishes on the current code', async () => {
    installQuietRuntime();
    const v1 = await bundleWorkflowCode({
      workflowsPath: join(__dirname, '..', 'fixtures', 'workflow-v1', 'workflows', 'index.ts'),
      logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const script = {
      turns: [
        { toolCalls: [{ name: 'sleep', arguments: { label: 'on-v1', ms: 10 } }, { name: 'wait', arguments: { seconds: 3, reason: 'deploy happens now' } }] },
        { toolCalls: [{ name: 'sleep', arguments: { label: 'on-current', ms: 10 } }] },
        { content: 'finished after the deploy: {{observations}}' },
      ],
    };
    const model = await startScriptedModel(compileScript(script));
    const config = testConfig();
    const taskQueue = uniqueTaskQueue('versioning');
    const connection = await NativeConnection.connect(config.connectionOptions);
    const client = await connectClient(config);
    const testTools = createTestTools();
    const workerOptions = {
      config,
      connection,
      taskQueue,
      tools: testTools.tools,
      model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 },
    };
    try {
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'outlive a deploy' }] });

      // Old workers run the first step and start the durable timer, then go away.
      const oldWorker: Worker = await createWorker({ ...workerOptions, workflowBundle: { code: v1.code } });
      await oldWorker.runUntil(
        eventually('the v1 worker to start the timer', async () => (await historyEvents(handle)).some((event) => event.timerStartedEventAttributes)),
      );

      // New workers (the current code) pick the run up when the timer fires, replay its v1 history, and finish it.
      const newWorker: Worker = await createWorker({ ...workerOptions, workflowBundle: { codePath: testWorkflowBundlePath() } });
      const result = (await newWorker.runUntil(handle.result())) as AgentRunResult;

      expect(result).toMatchObject({ status: 'final', steps: 3, toolCalls: { ok: 3, failed: 0 } });
      expect(result.answer).toContain('finished after the deploy');
      expect(testTools.windows.map((window) => window.label)).toEqual(['on-v1', 'on-current']);
      const events = await historyEvents(handle);
      // The run kept the behaviour it started with: no patch marker was written into its history.
      expect(patchIds(events)).toEqual([]);
      expect(events.some((event) => event.workflowTaskFailedEventAttributes)).toBe(false);
    } finally {
      await client.connection.close();
      await connection.close();
      await model.close();
    }
  });

  it('a run started on the current code records its patch markers', async () => {
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
      expect(patchIds(events)).toEqual([PATCHES.sizeLimits, PATCHES.plannerDelta, PATCHES.leanScheduling, PATCHES.interaction, PATCHES.waitHandover]);
      await recordHistory(handle, 'agent-v2-patched');
    } finally {
      await client.connection.close();
      await connection.close();
      await model.close();
    }
  });

  it('every patch has a recorded history that CI replays', () => {
    const histories = readdirSync(join(__dirname, '..', 'histories')).filter((name) => name.endsWith('.json'));
    const recorded = new Set(
      histories.flatMap((name) => patchIds(historyFromJSON(JSON.parse(readFileSync(join(__dirname, '..', 'histories', name), 'utf8'))).events ?? [])),
    );
    for (const id of Object.values(PATCHES)) expect({ patch: id, recorded: recorded.has(id) }).toEqual({ patch: id, recorded: true });
  });
});
