import type { AgentRunResult } from '../../src/contracts/run-result';
import { historyEvents, recordHistory, withAgent } from '../helpers/agent';
import { saveFigure } from '../helpers/figures';
import { createTestTools } from '../helpers/test-tools';
import { AgentRunHandle } from '../../src/client';
import { until } from '../helpers/until';

const STEPS = 300;

/** A long run continues as new, stays one logical run for the client, and keeps its step count and usage. */
describe('continue-as-new', () => {
  it(`a ${STEPS}-step run continues as new and finishes with the right totals`, async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'cheap', ms: 0 } }], repeat: STEPS }, { content: 'all {{turn}} turns done' }] };
    await withAgent(script, testTools.tools, async ({ start, client, model }) => {
      const startedAt = Date.now();
      const handle = await start({ goal: 'a very long run', maxSteps: STEPS + 1, continueAsNewAtHistoryBytes: 400_000 });
      const result = (await handle.result()) as AgentRunResult;
      const wallMs = Date.now() - startedAt;
      expect(result).toMatchObject({ status: 'final', steps: STEPS + 1, toolCalls: { ok: STEPS, failed: 0 }, usage: { modelCalls: STEPS + 1 } });
      expect(result.answer).toBe(`all ${STEPS + 1} turns done`);
      const served = model.requests.filter((request) => request.status === 200);
      expect(result.usage.inputTokens).toBe(served.reduce((total, request) => total + Math.ceil(request.bytes / 4), 0));

      // The chain: the first run continued as new; the handle without a run id follows to the last one.
      const first = await client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
      expect(first.status.name).toBe('CONTINUED_AS_NEW');
      const latest = await client.workflow.getHandle(handle.workflowId).describe();
      expect(latest.runId).not.toBe(handle.firstExecutionRunId);
      expect(latest.status.name).toBe('COMPLETED');
      // Every run of the chain stayed small: the transcript is compacted, not copied whole.
      const lastEvents = await historyEvents(client.workflow.getHandle(handle.workflowId));
      const started = lastEvents[0]?.workflowExecutionStartedEventAttributes;
      expect(started?.continuedExecutionRunId).toBeTruthy();
      let runsInChain = 0;
      for await (const _execution of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runsInChain += 1;
      expect(runsInChain).toBeGreaterThanOrEqual(2);
      saveFigure('continue-as-new', { steps: STEPS + 1, runsInChain, wallMs, historyLimitBytes: 400_000 });
      await recordHistory(client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId), 'agent-continue-as-new-first-run');
    });
  }, 240_000);

  it('a run waiting for people whose carried input alone passes the handover size waits in one run, not handing over again and again', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'blob', arguments: { bytes: 12_000 } }] }, { toolCalls: [{ name: 'strict', arguments: { count: 2 } }] }, { content: 'approved and done' }] };
    await withAgent(script, testTools.tools, async ({ start, client }) => {
      const handle = await start({ goal: 'a big result, then a gated call', requireApproval: ['strict'], continueAsNewAtHistoryBytes: 10_000 });
      const run = new AgentRunHandle(client, handle.workflowId, 'default');
      await until('the call to await approval', async () => ((await run.pending().catch(() => undefined))?.approvals.length === 1 ? true : undefined));
      const executions = async () => {
        let count = 0;
        for await (const _execution of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) count += 1;
        return count;
      };
      const waiting = await executions();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      // Nothing happened while it waited, so it did not hand over (it used to, dozens of times a minute).
      expect(await executions()).toBe(waiting);
      await run.approve('s2-1');
      expect(((await handle.result()) as AgentRunResult).answer).toBe('approved and done');
    });
  }, 120_000);
});
