import { AgentClient, AgentRunHandle } from '../src/client';
import type { AgentRunResult } from '../src/shared/model';
import { withAgent } from './helpers/agent';
import { runCli } from './helpers/cli';
import { testConfig } from './helpers/temporal';
import { createTestTools } from './helpers/test-tools';
import { until } from './helpers/until';

/** The CLI of sessions and budgets (issue 13 item 6): `chat`, `send`, `close`, `raise-budget`, against the real server. */
describe('durable-agent chat, send, close, raise-budget', () => {
  jest.setTimeout(120_000);

  it('chat starts a session by id, send answers the next turn, close ends it', async () => {
    const script = { turns: [{ content: 'hello back (turn {{turn}})' }, { content: 'second answer (turn {{turn}})' }] };
    await withAgent(script, [], async ({ client, taskQueue }) => {
      const env = { ...process.env, TEMPORAL_ADDRESS: testConfig().address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue };
      const id = `${taskQueue}-chat`;
      const first = await runCli(['chat', id, 'hello', '--goal', 'a CLI chat', '--json'], env, 60_000);
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({ turn: 1, status: 'final', answer: 'hello back (turn 1)' });
      const second = await runCli(['send', id, 'and', 'again'], env, 60_000);
      expect(second.code).toBe(0);
      expect(second.stdout).toBe('second answer (turn 2)\n');
      expect((await runCli(['close', id], env)).code).toBe(0);
      const result = (await client.workflow.getHandle(id).result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', answer: 'second answer (turn 2)' });
      const late = await runCli(['send', id, 'too late'], env);
      expect(late.code).toBe(2);
      expect(late.stderr).toMatch(/the run has ended/);
    });
  });

  it('raise-budget lets a run paused on its budget go on', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'paid', ms: 1 } }] }, { content: 'done' }] };
    const prices = { scripted: { inputPerMillion: 1_000, outputPerMillion: 1_000 } };
    await withAgent(
      script,
      testTools.tools,
      async ({ client, taskQueue }) => {
        const env = { ...process.env, TEMPORAL_ADDRESS: testConfig().address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue };
        const agents = new AgentClient(client, { ...testConfig(), taskQueue });
        const started = await agents.start({ goal: 'spend', budget: { maxCostUsd: 0.01, onExhausted: 'pause' } });
        const run = new AgentRunHandle(client, started.workflowId, 'default');
        await until('the pause', async () => ((await run.state()).status === 'waiting_for_budget' ? true : undefined));
        const listed = await runCli(['list', '--status', 'waiting_for_budget', '--json'], env);
        expect(listed.stdout).toContain(started.workflowId);
        const none = await runCli(['raise-budget', started.workflowId], env);
        expect(none.code).toBe(2);
        expect(none.stderr).toContain('Give at least one of --tokens, --usd, --time.');
        const raised = await runCli(['raise-budget', started.workflowId, '--usd', '1000', '--json'], env);
        expect(raised.code).toBe(0);
        expect(JSON.parse(raised.stdout)).toMatchObject({ maxCostUsd: 1000, onExhausted: 'pause' });
        expect(await started.result()).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      },
      { prices },
    );
  });
});
