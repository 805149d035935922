import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { AgentRunHandle } from '../../src/client';
import type { RunEvent } from '../../src/contracts';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { MAX_PLAN_NODES } from '../../src/core/plan/dag';
import { defineTool, ToolError } from '../../src/tools/define-tool';
import { historyEvents, recordHistory, scheduledActivities, toolMessagesByCallId, withAgent } from '../helpers/agent';

/** What each node saw and when it ran, as the tool itself recorded it. */
interface Visit {
  name: string;
  value: unknown;
  startedAt: number;
  endedAt: number;
}

function planTools() {
  const visits: Visit[] = [];
  const tools = [
    defineTool({
      name: 'work',
      description: 'Works for `ms` milliseconds and returns its name, the value it was given and when it ran.',
      input: z.object({ name: z.string(), ms: z.number().int().min(0).max(10_000), value: z.unknown().optional() }),
      run: async ({ name, ms, value }, context) => {
        const startedAt = Date.now();
        await sleep(ms, undefined, { signal: context.signal });
        const visit = { name, value, startedAt, endedAt: Date.now() };
        visits.push(visit);
        return { ...visit, details: { size: name.length * 10, tags: [`${name}-tag`] } };
      },
    }),
    defineTool({
      name: 'broken',
      description: 'Always fails.',
      input: z.object({ name: z.string() }),
      run: async ({ name }) => {
        visits.push({ name, value: undefined, startedAt: Date.now(), endedAt: Date.now() });
        throw new ToolError(`${name} is broken`);
      },
    }),
  ];
  const visit = (name: string) => {
    const found = visits.find((entry) => entry.name === name);
    if (!found) throw new Error(`node ${name} did not run; ran: ${visits.map((entry) => entry.name).join(', ')}`);
    return found;
  };
  return { tools, visits, visit };
}

const plan = (nodes: unknown[]) => ({ toolCalls: [{ name: 'submit_plan', arguments: { nodes } }] });
const FINAL = { content: 'Done. I saw: {{observations}}' };

async function eventsOf(run: AgentRunHandle): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  for await (const event of run.events({ from: 0 })) all.push(event);
  return all;
}

/** Plans with dependencies (issue 14), on the real server with tool-side timestamps. */
describe('plans with dependencies', () => {
  jest.setTimeout(120_000);

  it('a diamond runs eagerly: C starts once A and B ended and before slow E ends; a reference into A reaches C', async () => {
    const { tools, visit, visits } = planTools();
    const diamond = plan([
      { id: 'A', tool: 'work', args: { name: 'A', ms: 300 } },
      { id: 'B', tool: 'work', args: { name: 'B', ms: 500 } },
      { id: 'C', tool: 'work', args: { name: 'C', ms: 50, value: { $ref: 'A', pointer: '/details/tags/0' } }, dependsOn: ['A', 'B'] },
      { id: 'D', tool: 'work', args: { name: 'D', ms: 50, value: { $ref: 'C' } }, dependsOn: ['C'] },
      { id: 'E', tool: 'work', args: { name: 'E', ms: 2_500 } },
    ]);
    await withAgent({ turns: [diamond, FINAL] }, tools, async ({ start, client, model }) => {
      const handle = await start({ goal: 'a diamond and a slow branch', planning: 'dag', maxParallel: 4 });
      const result = (await handle.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', steps: 2, toolCalls: { ok: 5, failed: 0 } });
      expect(model.requests[0]?.tools).toContain('submit_plan');
      expect(visits.map((entry) => entry.name).sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
      const [a, b, c, d, e] = ['A', 'B', 'C', 'D', 'E'].map(visit) as [Visit, Visit, Visit, Visit, Visit];
      // Eager, not level by level: C waits for both A and B, then starts while E still runs.
      expect(c.startedAt).toBeGreaterThanOrEqual(Math.max(a.endedAt, b.endedAt));
      expect(c.startedAt).toBeLessThan(e.endedAt);
      expect(d.startedAt).toBeGreaterThanOrEqual(c.endedAt);
      expect(d.endedAt).toBeLessThan(e.endedAt);
      // References were resolved in the workflow from A's and C's recorded outputs.
      expect(c.value).toBe('A-tag');
      expect(d.value).toMatchObject({ name: 'C', value: 'A-tag' });

      // One tool message answers the submit_plan call, with a line per node.
      const messages = [...(await toolMessagesByCallId(handle)).values()];
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/^Plan of 5 nodes: 5 succeeded, 0 failed\./);
      expect(messages[0]).toContain('[C] work ok:');
      // The event stream and the UI show the graph.
      const run = new AgentRunHandle(client, handle.workflowId, 'default');
      const graph = (await eventsOf(run)).find((event) => event.type === 'plan_graph');
      expect(graph?.nodes).toEqual([
        { id: 's1-1.A', tool: 'work', dependsOn: [] },
        { id: 's1-1.B', tool: 'work', dependsOn: [] },
        { id: 's1-1.C', tool: 'work', dependsOn: ['s1-1.A', 's1-1.B'] },
        { id: 's1-1.D', tool: 'work', dependsOn: ['s1-1.C'] },
        { id: 's1-1.E', tool: 'work', dependsOn: [] },
      ]);
      // The UI's details table lists the nodes, what each needs, and how it went.
      const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      expect(metadata.currentDetails).toContain('Plan of step 1:');
      expect(metadata.currentDetails).toMatch(/\| C \| work \| A, B \| ok \d+ ms \|/);
      expect(metadata.currentDetails).toMatch(/\| E \| work \| — \| ok \d+ ms \|/);
      // One activity per node (their task ids, the idempotency keys' base, are in their inputs).
      const scheduled = (await historyEvents(handle)).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'work');
      expect(scheduled).toHaveLength(5);
      await recordHistory(handle, 'agent-plan-diamond');
    });
  });

  it('a failed node skips what depends on it, and only that: B fails, C and D are skipped, E runs', async () => {
    const { tools, visits } = planTools();
    const failing = plan([
      { id: 'A', tool: 'work', args: { name: 'A', ms: 10 } },
      { id: 'B', tool: 'broken', args: { name: 'B' } },
      { id: 'C', tool: 'work', args: { name: 'C', ms: 10 }, dependsOn: ['A', 'B'] },
      { id: 'D', tool: 'work', args: { name: 'D', ms: 10 }, dependsOn: ['C'] },
      { id: 'E', tool: 'work', args: { name: 'E', ms: 200 } },
    ]);
    await withAgent({ turns: [failing, FINAL] }, tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'a plan with a broken branch', planning: 'auto' });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 3 } });
      expect(visits.map((entry) => entry.name).sort()).toEqual(['A', 'B', 'E']);
      const [message] = [...(await toolMessagesByCallId(handle)).values()];
      expect(message).toMatch(/^Plan of 5 nodes: 2 succeeded, 3 failed\./);
      expect(message).toContain('[C] work failed: ToolSkipped: not run: it depends on B (broken), which failed');
      expect(message).toContain('[D] work failed: ToolSkipped: not run: it depends on C (work), which failed');
      expect(message).toContain(`[B] broken failed: ${ERROR_TYPES.toolError}: B is broken`);
      await recordHistory(handle, 'agent-plan-failed-branch');
    });
  });

  it('a cycle, a dangling reference and an over-cap plan are refused whole: nothing is scheduled, the model is told why', async () => {
    const { tools, visits } = planTools();
    const cycle = plan([
      { id: 'A', tool: 'work', args: { name: 'A', ms: 1 }, dependsOn: ['C'] },
      { id: 'B', tool: 'work', args: { name: 'B', ms: 1 }, dependsOn: ['A'] },
      { id: 'C', tool: 'work', args: { name: 'C', ms: 1 }, dependsOn: ['B'] },
    ]);
    const dangling = plan([
      { id: 'A', tool: 'work', args: { name: 'A', ms: 1 } },
      { id: 'B', tool: 'work', args: { name: 'B', ms: 1, value: { $ref: 'Z' } }, dependsOn: ['A'] },
      { id: 'C', tool: 'work', args: { name: 'C', ms: 1, value: { $ref: 'A' } } },
    ]);
    const overCap = plan(Array.from({ length: MAX_PLAN_NODES + 1 }, (_unused, index) => ({ id: `n${index}`, tool: 'work', args: { name: `n${index}`, ms: 1 } })));
    const unknownTool = plan([{ id: 'A', tool: 'nope', args: {} }, { id: 'B', tool: 'work', args: { name: 'B', ms: 1 }, dependsOn: ['A', 'B'] }]);
    await withAgent({ turns: [cycle, dangling, overCap, unknownTool, FINAL] }, tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'bad plans', planning: 'dag' });
      expect(result).toMatchObject({ status: 'final', steps: 5, toolCalls: { ok: 0, failed: 4 } });
      expect(visits).toEqual([]);
      expect(scheduledActivities(await historyEvents(handle)).filter((name) => name !== 'plan' && name !== 'describeTools')).toEqual([]);
      const messages = [...(await toolMessagesByCallId(handle)).values()];
      expect(messages).toHaveLength(4);
      expect(messages[0]).toContain(`${ERROR_TYPES.planInvalid}: the plan was refused and nothing ran: the nodes "A", "B", "C" depend on each other in a cycle (or on a node in one)`);
      expect(messages[1]).toContain('node "B" references "Z", which is not in the plan');
      expect(messages[1]).toContain('node "C" references "A", which is not in its dependsOn');
      expect(messages[2]).toContain(`the plan has ${MAX_PLAN_NODES + 1} nodes; at most ${MAX_PLAN_NODES} are allowed`);
      expect(messages[3]).toContain('node "A": there is no tool named "nope"');
      expect(messages[3]).toContain('node "B" depends on itself');
      await recordHistory(handle, 'agent-plan-refused');
    });
  });

  it('in react mode submit_plan is not offered and is an unknown tool, as before', async () => {
    const { tools, visits } = planTools();
    await withAgent({ turns: [plan([{ id: 'A', tool: 'work', args: { name: 'A', ms: 1 } }]), FINAL] }, tools, async ({ run, model }) => {
      const { result } = await run({ goal: 'no plans here' });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 0, failed: 1 } });
      expect(result.answer).toContain(`${ERROR_TYPES.toolUnknown}: there is no tool named "submit_plan"`);
      expect(visits).toEqual([]);
      expect(model.requests[0]?.tools).toContain('work');
      expect(model.requests[0]?.tools).not.toContain('submit_plan');
    });
  });
});
