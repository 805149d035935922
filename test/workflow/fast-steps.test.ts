import { z } from 'zod';
import { AgentRunHandle } from '../../src/client';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import { defineTool, ToolError, type Tool } from '../../src/tools/define-tool';
import { historyEvents, recordHistory, scheduledActivities, toolMessagesByCallId, withAgent } from '../helpers/agent';
import { createTestTools, Latch, within } from '../helpers/test-tools';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** Local-activity markers in a history: one per fast call (and per attempt that was retried as a timer, none here). */
const localMarkers = (events: readonly HistoryEvent[]) => events.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity');

/** A tool that declares itself fast, counting its calls; and one that sees its abort signal fire. */
function fastTools() {
  const calls: string[] = [];
  const aborted = new Latch();
  const started = new Latch();
  const tools: Tool[] = [
    defineTool({
      name: 'quick',
      description: 'Returns its label at once.',
      input: z.object({ label: z.string() }),
      summaryField: 'label',
      fast: true,
      run: async ({ label }) => {
        calls.push(label);
        return { label };
      },
    }),
    defineTool({
      name: 'refuses',
      description: 'Always refuses (a ToolError, not retried).',
      input: z.object({}),
      fast: true,
      retry: { maximumAttempts: 5, initialIntervalMs: 50 },
      run: async () => {
        calls.push('refuses');
        throw new ToolError('not allowed here');
      },
    }),
    defineTool({
      name: 'waits',
      description: 'Waits until cancelled.',
      input: z.object({}),
      fast: true,
      timeout: '60 seconds',
      retry: { maximumAttempts: 1 },
      run: async (_input, context) => {
        started.open();
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
        aborted.open();
        return 'aborted';
      },
    }),
  ];
  return { tools, calls, aborted, started };
}

/** Approves the run's next pending approval, once there is one. */
async function approveNext(run: AgentRunHandle): Promise<void> {
  for (;;) {
    const pending = await run.pending();
    if (pending.approvals[0]) return run.approve(pending.approvals[0].callId);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Fast steps (issue 31, docs/fast-steps.md): short tools run as local activities, keeping every promise of a tool call.
 * Runs that count activity tasks and markers pin `planner: 'activity'`, so the only local activities are the tool calls
 * under test (the default planner's local model calls: planner-mode.test.ts).
 */
describe('fast steps', () => {
  jest.setTimeout(90_000);

  it('a fast tool’s calls run as local activities, in parallel under maxParallel, one marker and one UI summary each; others stay activities', async () => {
    const testTools = createTestTools();
    const fast = fastTools();
    const script = {
      turns: [
        {
          toolCalls: [
            { name: 'quick', arguments: { label: 'a' } },
            { name: 'quick', arguments: { label: 'b' } },
            // Three calls that return only once all three have started: they overlap, or the run times out.
            { name: 'rendezvous', arguments: { label: 'r1', count: 3 } },
            { name: 'rendezvous', arguments: { label: 'r2', count: 3 } },
            { name: 'rendezvous', arguments: { label: 'r3', count: 3 } },
            { name: 'sleep', arguments: { label: 's', ms: 5 } },
          ],
        },
        FINAL,
      ],
    };
    await withAgent(script, [...testTools.tools, ...fast.tools], async ({ run }) => {
      // `rendezvous` does not declare `fast`; the run names it (with a pattern), `sleep` it leaves out.
      const { handle, result } = await run({ goal: 'fast calls', planner: 'activity', maxParallel: 4, fastTools: ['quick', 'rendez*'] });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 6, failed: 0 } });
      expect(fast.calls.sort()).toEqual(['a', 'b']);
      const events = await historyEvents(handle);
      // Only the catalogue read, the model calls and `sleep` are activity tasks; the five fast calls are markers.
      expect(scheduledActivities(events)).toEqual(['describeTools', 'plan', 'sleep', 'plan']);
      const markers = localMarkers(events);
      expect(markers).toHaveLength(5);
      expect(markers.map((event) => event.userMetadata?.summary?.data ? Buffer.from(event.userMetadata.summary.data).toString() : '').sort()).toEqual(
        ['"quick a"', '"quick b"', '"rendezvous r1"', '"rendezvous r2"', '"rendezvous r3"'],
      );
      const messages = await toolMessagesByCallId(handle);
      expect(messages.get('call_1_1')).toBe('{"label":"a"}');
      await recordHistory(handle, 'agent-fast-steps');
    });
  });

  it('with the local planner a run of fast tools schedules no activity task but its catalogue read, and its steps share workflow tasks', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'a', ms: 5 } }, { name: 'sleep', arguments: { label: 'b', ms: 5 } }], repeat: 4 }, FINAL] };
    await withAgent(script, testTools.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'everything local', planner: 'local', fastTools: ['sleep'], maxSteps: 6 });
      expect(result).toMatchObject({ status: 'final', steps: 5, toolCalls: { ok: 8, failed: 0 } });
      const events = await historyEvents(handle);
      expect(scheduledActivities(events)).toEqual(['describeTools']);
      // 5 model calls and 8 tool calls, each a marker; far fewer workflow tasks than the 2 per step of the activity path.
      expect(localMarkers(events)).toHaveLength(13);
      const tasks = events.filter((event) => event.workflowTaskCompletedEventAttributes).length;
      expect(tasks).toBeLessThan(5);
    });
  });

  it('a hanging fast tool is stopped by its timeout: the call fails with ToolTimeout and the run goes on', async () => {
    const testTools = createTestTools();
    await withAgent({ turns: [{ toolCalls: [{ name: 'hang', arguments: {} }, { name: 'sleep', arguments: { label: 'x', ms: 5 } }] }, FINAL] }, testTools.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'a hanging fast tool', planner: 'activity', fastTools: ['hang', 'sleep'] });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 1 } });
      expect(testTools.handlerCalls.get('hang')).toBe(1);
      const messages = await toolMessagesByCallId(handle);
      expect(messages.get('call_1_1')).toMatch(new RegExp(`^Error: ${ERROR_TYPES.toolTimeout}: no result within 1s`));
      expect(scheduledActivities(await historyEvents(handle))).toEqual(['describeTools', 'plan', 'plan']);
    });
  });

  it('retries and non-retryable errors behave as on the activity path', async () => {
    const testTools = createTestTools();
    const fast = fastTools();
    const script = { turns: [{ toolCalls: [{ name: 'flaky', arguments: { name: 'f' } }, { name: 'refuses', arguments: {} }] }, FINAL] };
    await withAgent(script, [...testTools.tools, ...fast.tools], async ({ run }) => {
      const { handle, result } = await run({ goal: 'retries on the fast path', fastTools: ['flaky', 'refuses'] });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 1 } });
      // `flaky` fails twice, then succeeds on its third attempt; a ToolError is not retried.
      expect(testTools.handlerCalls.get('flaky')).toBe(3);
      expect(fast.calls).toEqual(['refuses']);
      const messages = await toolMessagesByCallId(handle);
      expect(messages.get('call_1_1')).toContain('"attempts":3');
      expect(messages.get('call_1_2')).toBe(`Error: ${ERROR_TYPES.toolError}: not allowed here`);
      expect(localMarkers(await historyEvents(handle)).length).toBeGreaterThanOrEqual(2);
    });
  });

  it('cancelling the run reaches a fast call in flight: the tool sees its abort and the run ends cancelled', async () => {
    const fast = fastTools();
    await withAgent({ turns: [{ toolCalls: [{ name: 'waits', arguments: {} }] }, { content: 'never reached' }] }, fast.tools, async ({ start, client }) => {
      const handle = await start({ goal: 'cancel a fast call' });
      await within(fast.started.opened, 'the fast call to start');
      // While the call runs, its workflow task is open: the server says so, and a live read waits (status explains it).
      const run = new AgentRunHandle(client, handle.workflowId, 'default');
      expect(await run.describe()).toMatchObject({ workflowTaskRunning: true, executionStatus: 'RUNNING' });
      await expect(run.state({ timeoutMs: 1_000 })).rejects.toMatchObject({ reason: 'timeout' });
      await handle.cancel();
      await within(fast.aborted.opened, 'the fast call to see its abort');
      expect(await handle.result()).toMatchObject({ status: 'cancelled' });
    });
  });

  it('a gated fast tool waits for its approval and then runs as an activity; fastTools: false turns the fast path off', async () => {
    const fast = fastTools();
    const script = { turns: [{ toolCalls: [{ name: 'quick', arguments: { label: 'gated' } }] }, { toolCalls: [{ name: 'quick', arguments: { label: 'plain' } }] }, FINAL] };
    await withAgent(script, fast.tools, async ({ start, client }) => {
      const handle = await start({ goal: 'approve a fast tool', planner: 'activity', requireApproval: ['quick'] });
      const run = new AgentRunHandle(client, handle.workflowId, 'default');
      // Both calls of `quick` are gated in this run: each waits for its approval.
      await approveNext(run);
      await approveNext(run);
      expect(await handle.result()).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 0 } });
      expect(scheduledActivities(await historyEvents(handle))).toEqual(['describeTools', 'plan', 'quick', 'plan', 'quick', 'plan']);
    });
    const off = fastTools();
    await withAgent({ turns: [{ toolCalls: [{ name: 'quick', arguments: { label: 'slow path' } }] }, FINAL] }, off.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'no fast path', planner: 'activity', fastTools: false });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1 } });
      const events = await historyEvents(handle);
      expect(scheduledActivities(events)).toEqual(['describeTools', 'plan', 'quick', 'plan']);
      expect(localMarkers(events)).toHaveLength(0);
    });
  });

  it('a plan with dependencies runs its fast calls as local activities, references resolved', async () => {
    const fast = fastTools();
    const nodes = [
      { id: 'first', tool: 'quick', args: { label: 'one' } },
      { id: 'second', tool: 'quick', args: { label: { $ref: 'first', pointer: '/label' } }, dependsOn: ['first'] },
    ];
    await withAgent({ turns: [{ toolCalls: [{ name: 'submit_plan', arguments: { nodes } }] }, FINAL] }, fast.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'a plan of fast calls', planner: 'activity', planning: 'dag' });
      expect(result).toMatchObject({ status: 'final' });
      // The second call's label is the first call's output, resolved before it was scheduled.
      expect(fast.calls).toEqual(['one', 'one']);
      const events = await historyEvents(handle);
      expect(scheduledActivities(events)).toEqual(['describeTools', 'plan', 'plan']);
      expect(localMarkers(events)).toHaveLength(2);
    });
  });

  it('a run that names an unknown tool in fastTools fails at its start and says which', async () => {
    const fast = fastTools();
    await withAgent({ turns: [FINAL] }, fast.tools, async ({ run }) => {
      const { result } = await run({ goal: 'unknown fast tool', fastTools: ['quick', 'nope'] });
      expect(result).toMatchObject({ status: 'failed', error: { type: ERROR_TYPES.agentInputInvalid } });
      expect(result.error?.message).toContain('unknown tools in fastTools: nope');
    });
  });
});
