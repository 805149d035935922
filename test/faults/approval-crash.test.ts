import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentRunHandle } from '../../src/client';
import { connectClient } from '../../src/config/connect';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { recordHistory } from '../helpers/agent';
import { readEffects } from '../helpers/effect-tools';
import { saveFigure } from '../helpers/figures';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';
import { startWorkerProcess } from '../helpers/fault-worker';

/** Durable while waiting (issue 13 item 7): the worker dies while a call waits for approval; nothing is lost. */
describe('worker killed with SIGKILL while a call waits for approval', () => {
  it('an approval sent while no worker is up waits, is taken by the next worker, and the call runs exactly once', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-approval-crash-'));
    const effectsLog = join(folder, 'effects.log');
    const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'effect', arguments: { name: 'gated', ms: 10 } }] }, { content: 'done: {{observations}}' }] }));
    const config = testConfig();
    const taskQueue = uniqueTaskQueue('approval-crash');
    const env = { ...process.env, TEMPORAL_ADDRESS: config.address, FAULT_TASK_QUEUE: taskQueue, FAULT_MODEL_URL: model.baseURL, FAULT_EFFECTS_LOG: effectsLog };
    const client = await connectClient(config);
    const workers: ChildProcess[] = [];
    try {
      workers.push(startWorkerProcess(env));
      const started = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'gated effect', requireApproval: ['effect'] }] });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      await until('the call to await approval', async () => ((await run.pending().catch(() => undefined))?.approvals.length === 1 ? true : undefined), 60_000, 200);

      const first = workers[0];
      first?.kill('SIGKILL');
      await new Promise((resolve) => first?.once('exit', resolve));

      // No worker: the decision waits (an Update needs a worker to validate and apply it).
      let decided = false;
      const approval = run.approve('s1-1').then(() => (decided = true));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(decided).toBe(false);
      expect(readEffects(effectsLog)).toEqual([]);

      const restartedAt = Date.now();
      workers.push(startWorkerProcess(env));
      await approval;
      const result = (await started.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      const effects = readEffects(effectsLog);
      expect(effects.filter((line) => line.event === 'start')).toHaveLength(1);
      expect(effects.filter((line) => line.event === 'done')).toHaveLength(1);
      saveFigure('approval-crash', { decisionTakenMsAfterRestart: Date.now() - restartedAt, effectRuns: 1 });
      await recordHistory(started, 'agent-approval-worker-crash');
    } finally {
      for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await client.connection.close();
      await model.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
