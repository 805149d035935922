import type { Client } from '@temporalio/client';
import { AgentRunHandle, InteractionRefusedError, RunProgress, type RunEvent } from '../../src/client';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { recordHistory, withAgent } from '../helpers/agent';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** The run's whole event log so far (one page is enough for these short runs). */
async function eventsOf(run: AgentRunHandle): Promise<RunEvent[]> {
  return (await run.eventPage({ from: 0 })).events;
}

async function executions(client: Client, workflowId: string): Promise<string[]> {
  const statuses: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) statuses.push(execution.status.name);
  return statuses;
}

/** `pause` / `resume` (issue 23): an interaction added through the table, on the real dev server. */
describe('pause and resume', () => {
  jest.setTimeout(120_000);

  it('a paused run stops before its next step, schedules nothing while paused, and goes on after resume', async () => {
    const testTools = createTestTools();
    const turns = [
      { toolCalls: [{ name: 'blocked', arguments: { label: 'first' } }] },
      { toolCalls: [{ name: 'sleep', arguments: { label: 'second', ms: 1 } }] },
      FINAL,
    ];
    await withAgent({ turns }, testTools.tools, async ({ start, client }) => {
      const started = await start({ goal: 'two steps with a pause between' });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      await testTools.gates.started('first');
      // Asked mid-step: it takes effect once the step is done.
      expect(await run.pause('lunch')).toEqual({ state: 'pausing' });
      await expect(run.pause()).rejects.toThrow(/a pause is asked for already/);
      testTools.gates.release('first');
      const paused = await until('the run to pause', async () => {
        const state = await run.state();
        return state.status === 'paused' ? state : undefined;
      });
      expect(paused.step).toBe(1);
      // While paused: nothing new is scheduled, a second pause is refused, and the fold of the log says paused too.
      await expect(run.pause()).rejects.toThrow(InteractionRefusedError);
      const log = await eventsOf(run);
      expect(log.filter((event) => event.type === 'run_paused')).toMatchObject([{ step: 1, detail: 'lunch' }]);
      expect(log.some((event) => event.type === 'step_started' && event.step === 2)).toBe(false);
      expect(RunProgress.of(log, 5).state().status).toBe('paused');
      expect(testTools.handlerCalls.get('sleep')).toBeUndefined();
      expect(await run.resume()).toEqual({ state: 'resumed' });
      const result = (await started.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', steps: 3, toolCalls: { ok: 2, failed: 0 } });
      await recordHistory(started, 'agent-pause-resume');
      const types = (await eventsOf(run)).map((event) => event.type);
      expect(types.indexOf('run_resumed')).toBeGreaterThan(types.indexOf('run_paused'));
      expect(types.indexOf('run_resumed')).toBeLessThan(types.lastIndexOf('step_started'));
      // An ended run refuses both, with nothing recorded.
      await expect(run.pause()).rejects.toThrow(/has ended/);
      await expect(run.resume()).rejects.toThrow(/has ended/);
    });
  });

  it('resume before the pause took effect withdraws it; resume of a run that is not paused is refused', async () => {
    const testTools = createTestTools();
    const turns = [{ toolCalls: [{ name: 'blocked', arguments: { label: 'only' } }] }, FINAL];
    await withAgent({ turns }, testTools.tools, async ({ start, client }) => {
      const started = await start({ goal: 'pause withdrawn' });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      await testTools.gates.started('only');
      await expect(run.resume()).rejects.toThrow(/is not paused \(it is running\)/);
      await expect(run.interact('pause', { reason: 'x'.repeat(5_000) })).rejects.toThrow(/invalid pause/);
      expect(await run.pause()).toEqual({ state: 'pausing' });
      expect(await run.resume()).toEqual({ state: 'pause_withdrawn' });
      testTools.gates.release('only');
      expect(((await started.result()) as AgentRunResult).status).toBe('final');
      expect((await eventsOf(run)).some((event) => event.type === 'run_paused')).toBe(false);
    });
  });

  it('a paused run hands over when it has taken many Updates and is still paused in the next run of its chain', async () => {
    const testTools = createTestTools();
    const turns = [{ toolCalls: [{ name: 'blocked', arguments: { label: 'step1' } }] }, FINAL];
    await withAgent({ turns }, testTools.tools, async ({ start, client }) => {
      const started = await start({ goal: 'pause across a handover', continueAsNewAfterUpdates: 10 });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      await testTools.gates.started('step1');
      await run.pause();
      testTools.gates.release('step1');
      await until('the run to pause', async () => ((await run.state()).status === 'paused' ? true : undefined));
      // Nine more accepted Updates make ten: the paused run continues as new, and stays paused there.
      for (let index = 1; index <= 9; index += 1) await run.raiseBudget({ maxTokens: 1_000_000 * index });
      await until('the handover', async () => ((await executions(client, started.workflowId)).includes('CONTINUED_AS_NEW') ? true : undefined));
      const state = await until('the next run to answer', async () => run.state().catch(() => undefined));
      expect(state.status).toBe('paused');
      expect((await eventsOf(run)).filter((event) => event.type === 'run_paused')).toHaveLength(1);
      await run.resume();
      const result = (await client.workflow.getHandle(started.workflowId).result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', steps: 2 });
      // The first run of the chain: paused, then handed over while paused.
      await recordHistory(client.workflow.getHandle(started.workflowId, started.firstExecutionRunId), 'agent-pause-handover');
    });
  });
});
