import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentRunHandle } from '../../src/client';
import { connectClient } from '../../src/config/connect';
import type { AgentDefinition } from '../../src/contracts/agent-definition';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { readEffects } from '../helpers/effect-tools';
import { startWorkerProcess, waitForExit } from '../helpers/fault-worker';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

const GATED: AgentDefinition = { name: 'gated', description: 'does a gated effect', instructions: 'You are gated.', model: 'gated-model', tools: ['effect'], requireApproval: ['effect'] };

/** People reach a sub-agent through its parent (docs/sub-agents.md), even when the worker dies while the child waits. */
describe('worker killed with SIGKILL while a sub-agent waits for approval', () => {
  it("the approval sent through the parent's id reaches the child once a worker is back, and the call runs exactly once", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-sub-agent-crash-'));
    const effectsLog = join(folder, 'effects.log');
    const child = compileScript({ turns: [{ toolCalls: [{ name: 'effect', arguments: { name: 'child-effect', ms: 10 } }] }, { content: 'child did {{observations}}' }] });
    const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'agent__gated', arguments: { goal: 'do the effect' } }] }, { content: 'parent saw {{observations}}' }] }), {
      scriptsByModel: new Map([['gated-model', child]]),
    });
    const config = testConfig();
    const taskQueue = uniqueTaskQueue('sub-agent-crash');
    const env = { ...process.env, TEMPORAL_ADDRESS: config.address, FAULT_TASK_QUEUE: taskQueue, FAULT_MODEL_URL: model.baseURL, FAULT_EFFECTS_LOG: effectsLog, FAULT_AGENTS: JSON.stringify([GATED]) };
    const client = await connectClient(config);
    const workers: ChildProcess[] = [];
    try {
      workers.push(startWorkerProcess(env));
      const started = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'hand a gated effect to an agent' }] });
      const parent = new AgentRunHandle(client, started.workflowId, 'default');
      await until('the child call to await approval, listed by the parent', async () => ((await parent.pending().catch(() => undefined))?.approvals[0]?.callId === 's1-1/s1-1' ? true : undefined), 60_000, 200);

      const first = workers[0];
      first?.kill('SIGKILL');
      if (first) await waitForExit(first);

      // No worker: the decision sent through the parent waits for one to validate and apply it in the child.
      let decided = false;
      const approval = parent.approve('s1-1/s1-1').then(() => (decided = true));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(decided).toBe(false);
      expect(readEffects(effectsLog)).toEqual([]);

      workers.push(startWorkerProcess(env));
      await approval;
      const result = (await started.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      expect(result.answer).toContain('child did');
      const effects = readEffects(effectsLog);
      expect(effects.filter((line) => line.event === 'start')).toHaveLength(1);
      expect(effects.filter((line) => line.event === 'done')).toHaveLength(1);
    } finally {
      for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await client.connection.close();
      await model.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
