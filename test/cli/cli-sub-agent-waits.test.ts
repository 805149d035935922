import type { AgentDefinition } from '../../src/contracts/agent-definition';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { cliEnvironment, runCli } from '../helpers/cli';
import { withTestWorker } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';

const SPENDER: AgentDefinition = { name: 'spender', description: 'spends', instructions: 'You are spender.', model: 'spender-model', tools: ['sleep'], budget: { maxTokens: 1, onExhausted: 'pause' } };

/** A sub-agent paused on its budget, seen and let go on through its parent (docs/sub-agents.md). */
describe('durable-agent status and raise-budget of a parent whose sub-agent waits for budget', () => {
  jest.setTimeout(120_000);

  it('status names the child and the command; raise-budget on the parent raises the child, which goes on', async () => {
    const parent = { turns: [{ toolCalls: [{ name: 'agent__spender', arguments: { goal: 'spend' } }] }, { content: 'parent done: {{observations}}' }] };
    const child = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'spending', ms: 10 } }] }, { content: 'spent' }] };
    const model = await startScriptedModel(compileScript(parent), { scriptsByModel: new Map([['spender-model', compileScript(child)]]) });
    try {
      await withTestWorker(
        'sub-agent-waits',
        async ({ client, taskQueue }) => {
          const workflowId = `${taskQueue}-parent`;
          await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Spend through an agent', budget: { maxTokens: 50_000 } }] });
          const env = cliEnvironment(taskQueue);
          const status = await until('status to show the child waiting for budget', async () => {
            const shown = await runCli(['status', workflowId, '--json'], env, 30_000);
            return shown.code === 0 && shown.stdout.includes('"agentStatus":"waiting_for_budget"') ? shown : undefined;
          });
          const report = JSON.parse(status.stdout) as { subAgentWaits?: Array<{ path: string; agents: string[]; status: string; workflowId: string }> };
          expect(report.subAgentWaits).toEqual([expect.objectContaining({ path: 's1-1', agents: ['spender'], status: 'waiting_for_budget', workflowId: `${workflowId}.s1-1` })]);
          const text = await runCli(['status', workflowId], env, 30_000);
          expect(text.stdout).toContain('waiting_for_budget');
          expect(text.stdout).toMatch(/sub-agent s1-1 \(spender\) is waiting_for_budget · \d+\/1 tokens · durable-agent raise-budget /);

          const raised = await runCli(['raise-budget', workflowId, '--tokens', '60000'], env, 30_000);
          expect(raised.code).toBe(0);
          expect(raised.stdout).toContain(`Budget of run ${workflowId} is now {"maxTokens":60000}.`);
          expect(raised.stdout).toMatch(/Budget of sub-agent s1-1 \(spender\) is now \{"maxTokens":5\d{4},"onExhausted":"pause"\}; it goes on\./);
          const result = (await client.workflow.getHandle(workflowId).result()) as AgentRunResult;
          expect(result).toMatchObject({ status: 'final' });
          expect(result.answer).toContain('spent');
          // follow nests the child's pause under its call, with the command that raises it through the parent.
          const followed = await runCli(['follow', workflowId, '--no-text'], env, 60_000);
          const lines = followed.stdout.split('\n');
          const paused = lines.findIndex((line) => line.startsWith('    [s1-1 spender] ') && line.includes('budget_exhausted'));
          expect(paused).toBeGreaterThan(0);
          expect(lines[paused + 1]).toBe(`        durable-agent raise-budget ${workflowId} --tokens N | --usd N | --time D`);
        },
        { tools: createTestTools().tools, agents: [SPENDER], model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 } },
      );
    } finally {
      await model.close();
    }
  });
});
