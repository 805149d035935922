import { AgentRunHandle, InteractionRefusedError } from '../../src/client';
import { decideUpdate, type Decision, type RunEvent } from '../../src/contracts';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { recordHistory, toolMessagesByCallId, withAgent } from '../helpers/agent';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';
import { createDeployTool } from '../helpers/test-tools';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** Talking to a running agent (issue 13), against the real server. */
describe('approvals, questions and the event log', () => {
  jest.setTimeout(120_000);

  it('three gated calls decided in reverse order while the ungated call of the step finishes first', async () => {
    const deploy = createDeployTool();
    const testTools = createTestTools();
    const script = {
      turns: [
        {
          toolCalls: [
            { name: 'deploy', arguments: { service: 'api', version: '1.0' } },
            { name: 'deploy', arguments: { service: 'web', version: '2.0' } },
            { name: 'deploy', arguments: { service: 'db', version: '3.0' } },
            { name: 'sleep', arguments: { label: 'ungated', ms: 10 } },
          ],
        },
        FINAL,
      ],
    };
    await withAgent(script, [deploy.tool, ...testTools.tools], async ({ start, client }) => {
      const started = await start({ goal: 'deploy three services', maxParallel: 1 });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      const pending = await until('three calls awaiting approval', async () => {
        const found = await run.pending();
        return found.approvals.length === 3 ? found : undefined;
      });
      expect(pending.approvals.map((call) => call.callId)).toEqual(['s1-1', 's1-2', 's1-3']);
      expect(pending.approvals[0]).toMatchObject({ tool: 'deploy', arguments: { service: 'api', version: '1.0' }, inputSchema: { type: 'object' } });
      // The ungated call ran while the gated ones waited: they hold no permit (maxParallel is 1).
      await until('the ungated call to finish', async () => (testTools.windows.length === 1 ? true : undefined));
      const state = await run.state();
      expect(state.status).toBe('waiting_for_approval');

      // Refusals never touch history.
      await expect(run.approve('s9-9')).rejects.toThrow(/there is no call s9-9 in this run/);
      await expect(run.approve('s1-4')).rejects.toThrow(/call s1-4 is not awaiting a decision/);
      await expect(run.approve('s1-3', { arguments: { service: 'db' } })).rejects.toThrow(InteractionRefusedError);

      // Reverse order: approve with edits, deny, approve.
      await run.approve('s1-3', { arguments: { service: 'db', version: '3.1' } });
      await expect(run.deny('s1-3', 'again')).rejects.toThrow(/already decided \(approved\)/);
      await run.deny('s1-2', 'web is frozen this week');
      // A decision is idempotent by update id: the same update sent twice is applied once, and both calls succeed.
      const decision = { args: [{ callId: 's1-1', decision: 'approve' as const }] as [Decision], updateId: `${started.workflowId}-approve-s1-1` };
      await started.executeUpdate(decideUpdate, decision);
      await expect(started.executeUpdate(decideUpdate, decision)).resolves.toEqual({ callId: 's1-1', decision: 'approve' });

      const result = (await started.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 3, failed: 1 } });
      expect(deploy.ran).toEqual([
        { service: 'db', version: '3.1' },
        { service: 'api', version: '1.0' },
      ]);
      const messages = await toolMessagesByCallId(started);
      expect([...messages.values()].some((text) => text.includes(`${ERROR_TYPES.toolDenied}: a person denied the call: web is frozen this week`))).toBe(true);
      await expect(run.approve('s1-1')).rejects.toThrow(/the run has ended/);

      // The event log: the ungated call finished before the first decision; followed from 0 and from the middle.
      const all: RunEvent[] = [];
      for await (const event of run.events({ from: 0 })) all.push(event);
      const order = all.map((event) => `${event.type}${event.callId ? ` ${event.callId}` : ''}`);
      expect(order.indexOf('call_finished s1-4')).toBeLessThan(order.indexOf('approval_decided s1-3'));
      expect(order).toEqual(expect.arrayContaining(['approval_needed s1-1', 'approval_decided s1-2', 'call_denied s1-2', 'run_ended']));
      expect(all.map((event) => event.offset)).toEqual(all.map((_event, index) => index));
      const middle: RunEvent[] = [];
      for await (const event of run.events({ from: 5 })) middle.push(event);
      expect(middle).toEqual(all.slice(5));
      await recordHistory(started, 'agent-approvals');
    });
  });

  it('an undecided call expires into a denial, and a run can gate a tool of its own choosing', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'gated-by-run', ms: 1 } }] }, FINAL] };
    await withAgent(script, testTools.tools, async ({ run }) => {
      const { result } = await run({ goal: 'wait for nobody', requireApproval: ['sleep'], approvalTimeoutMs: 1_000 });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 0, failed: 1 } });
      expect(result.answer).toContain(`${ERROR_TYPES.toolApprovalTimeout}: nobody approved the call within 1 s`);
      expect(testTools.windows).toHaveLength(0);
    });
  });

  it('ask_user waits for a reply, and the answer is the tool result', async () => {
    const script = { turns: [{ toolCalls: [{ name: 'ask_user', arguments: { question: 'Which region?' } }] }, FINAL] };
    await withAgent(script, [], async ({ start, client }) => {
      const started = await start({ goal: 'ask first' });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      const question = await until('the question', async () => (await run.pending()).questions[0]);
      expect(question).toMatchObject({ questionId: 's1-1', question: 'Which region?' });
      expect((await run.state()).status).toBe('waiting_for_input');
      await expect(run.reply('eu', 'nope')).rejects.toThrow(/there is no open question nope/);
      await run.reply('eu-west-1, please');
      const result = (await started.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      expect(result.answer).toContain('eu-west-1, please');
      await expect(run.reply('late')).rejects.toThrow(/the run has ended/);
      await recordHistory(started, 'agent-question');
    });
  });

  it('a used-up cost budget pauses the run until raise-budget raises it', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'paid', ms: 1 } }] }, FINAL] };
    // A price that makes the first call cost about a dollar: its tokens are in the hundreds or thousands.
    const prices = { scripted: { inputPerMillion: 1_000, outputPerMillion: 1_000 } };
    await withAgent(
      script,
      testTools.tools,
      async ({ start, client }) => {
        const started = await start({ goal: 'spend carefully', budget: { maxCostUsd: 0.01, onExhausted: 'pause' } });
        const run = new AgentRunHandle(client, started.workflowId, 'default');
        const paused = await until('the run to pause on its budget', async () => {
          const state = await run.state();
          return state.status === 'waiting_for_budget' ? state : undefined;
        });
        expect(paused.usage.costUsd).toBeGreaterThan(0.01);
        expect(testTools.windows).toHaveLength(0);
        await expect(run.raiseBudget({ maxCostUsd: 0.005 })).rejects.toThrow(/maxCostUsd is 0\.01 already: a raise must go above it/);
        await expect(run.raiseBudget({ maxCostUsd: 1_000 })).resolves.toMatchObject({ maxCostUsd: 1_000, onExhausted: 'pause' });
        const result = (await started.result()) as AgentRunResult;
        expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
        expect(result.usage.costUsd).toBeGreaterThan(paused.usage.costUsd ?? 0);
        const types: string[] = [];
        for await (const event of run.events()) types.push(event.type);
        expect(types.indexOf('budget_exhausted')).toBeLessThan(types.indexOf('budget_raised'));
        expect(types.indexOf('budget_raised')).toBeLessThan(types.indexOf('call_started'));
        await recordHistory(started, 'agent-budget-pause');
      },
      { prices },
    );
  });
});
