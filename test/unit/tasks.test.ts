import { spec } from '../helpers/tool-spec';
import { z } from 'zod';
import { capOutput } from '../../src/activities/tool-activities';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import { executorOf } from '../../src/core/execution';
import { planFromAction, planProblems } from '../../src/core/plan/plan';
import { prepareNode } from '../../src/core/plan/tasks';
import { summarize } from '../../src/core/summarize';
import { defineTool, ToolDefinitionError } from '../../src/tools/define-tool';
import { createWaitTool } from '../../src/tools/builtin/wait';


describe('self-contained tasks', () => {
  const call = (tool: string, input: unknown) => ({ type: 'tool_call' as const, id: `c-${tool}`, tool, input });

  it('carry their executor, timeout, retry and summary; legacy catalogue entries still read', () => {
    const remote = spec({ name: 'remote', executor: { kind: 'activity', activityType: 'remote_v2', taskQueue: 'tools-q' }, summaryField: 'q' });
    const legacyWait = spec({ name: 'wait', execution: 'workflow-timer', maxSeconds: 60 });
    const access = { catalogue: new Map([['remote', remote], ['wait', legacyWait], ['echo', spec()]]), allowed: new Set(['remote', 'wait', 'echo']) };
    const node = (tool: string, input: unknown) => ({ id: 's1-1', call: call(tool, input), dependsOn: [] });
    const prepared = prepareNode(node('remote', { q: 'hello' }), access);
    expect(prepared).toMatchObject({ task: { executor: { kind: 'activity', activityType: 'remote_v2', taskQueue: 'tools-q' }, timeoutMs: 1_000, summary: 'remote hello' } });
    expect(prepareNode(node('echo', {}), access)).toMatchObject({ task: { executor: { kind: 'activity', activityType: 'echo' } } });
    expect(prepareNode(node('wait', { seconds: 5 }), access)).toMatchObject({ task: { executor: { kind: 'timer', maxSeconds: 60 } } });
    expect(prepareNode(node('wait', { seconds: 61 }), access)).toMatchObject({ result: { error: { type: ERROR_TYPES.toolInputInvalid } } });
    expect(executorOf(createWaitTool({ maxSeconds: 9 }).spec)).toEqual({ kind: 'timer', maxSeconds: 9 });
  });

  it('a fast tool’s call runs locally only when the run lets it, and never when it heartbeats, runs on a tool queue or is gated', () => {
    const node = (tool: string) => ({ id: 's1-1', call: call(tool, {}), dependsOn: [] });
    const quick = spec({ name: 'quick', fast: true });
    const beats = spec({ name: 'beats', heartbeatTimeoutMs: 1_000 });
    const remote = spec({ name: 'remote', executor: { kind: 'activity', activityType: 'remote', taskQueue: 'tools-q' } });
    const catalogue = new Map([['quick', quick], ['beats', beats], ['remote', remote], ['gated', spec({ name: 'gated' })]]);
    const allowed = new Set(catalogue.keys());
    const fast = new Set(catalogue.keys());
    const local = (tool: string, access: Parameters<typeof prepareNode>[1]) => {
      const prepared = prepareNode(node(tool), access);
      return 'task' in prepared ? prepared.task.local === true : undefined;
    };
    // A run without the fast set (started before fast steps, or `fastTools: false`): nothing is local.
    expect(local('quick', { catalogue, allowed })).toBe(false);
    const access = { catalogue, allowed, fast, requireApproval: new Set(['gated']) };
    expect(local('quick', access)).toBe(true);
    expect([local('beats', access), local('remote', access), local('gated', access)]).toEqual([false, false, false]);
    expect(local('quick', { ...access, fast: new Set<string>() })).toBe(false);
  });

  it('defineTool refuses `fast` with a heartbeat, a task queue or an approval, saying why', () => {
    const base = { description: 'x', input: z.object({}), run: async () => 1, fast: true };
    expect(defineTool({ ...base, name: 'ok' }).spec.fast).toBe(true);
    expect(() => defineTool({ ...base, name: 'beats', heartbeatTimeout: '5s' })).toThrow(/"beats" is `fast` but it heartbeats/);
    expect(() => defineTool({ ...base, name: 'queued', taskQueue: 'q' })).toThrow(/"queued" is `fast` but it runs on its own task queue/);
    expect(() => defineTool({ ...base, name: 'gated', requiresApproval: true })).toThrow(ToolDefinitionError);
  });

  it('plans nested Parallel actions as independent nodes in the model order', () => {
    const plan = planFromAction({ type: 'parallel', actions: [call('a', {}), { type: 'parallel', actions: [call('b', {}), call('c', {})] }, call('d', {})] }, 4);
    expect(plan.nodes.map((node) => [node.id, node.call.tool, node.dependsOn.length])).toEqual([
      ['s4-1', 'a', 0],
      ['s4-2', 'b', 0],
      ['s4-3', 'c', 0],
      ['s4-4', 'd', 0],
    ]);
    expect(planProblems(plan)).toEqual([]);
    const broken = { nodes: [{ ...plan.nodes[0]!, dependsOn: ['s4-2', 's4-1', 'nope'] }, plan.nodes[1]!, plan.nodes[1]!] };
    expect(planProblems(broken)).toEqual([
      'two nodes have the id "s4-2"',
      'node "s4-1" depends on "s4-2", which comes after it (a cycle, or an order to fix)',
      'node "s4-1" depends on itself',
      'node "s4-1" depends on "nope", which is not in the plan',
    ]);
  });
});

describe('defineTool: JSON Schema inputs and effects', () => {
  const jsonTool = defineTool<{ city: string; days?: number }>({
    name: 'forecast',
    description: 'Weather forecast',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { city: { type: 'string', minLength: 2 }, days: { type: 'integer', minimum: 1, default: 3 } },
      required: ['city'],
      additionalProperties: false,
    },
    run: async (input) => input,
  });

  it('validates with the schema, applies defaults, and names every problem', () => {
    expect(jsonTool.spec.inputSchema).toMatchObject({ required: ['city'] });
    expect(jsonTool.validate({ city: 'Oslo' })).toEqual({ ok: true, value: { city: 'Oslo', days: 3 } });
    const bad = jsonTool.validate({ city: 'O', days: 0, extra: true });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems).toContain('city: must NOT have fewer than 2 characters');
      expect(bad.problems).toContain('days: must be >= 1');
      expect(bad.problems).toContain('(input): unrecognized key "extra"');
    }
    const missing = jsonTool.validate({});
    expect(missing).toEqual({ ok: false, problems: 'city: required' });
  });

  it('reads draft-07 schemas too, and refuses an invalid schema at definition', () => {
    const draft7 = defineTool({ name: 'd7', description: 'd', inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { n: { type: 'number' } } }, run: async () => 1 });
    expect(draft7.validate({ n: 'x' })).toEqual({ ok: false, problems: 'n: must be number' });
    expect(() => defineTool({ name: 'bad', description: 'd', inputSchema: { type: 'no-such-type' }, run: async () => 1 })).toThrow(/not a valid JSON Schema/);
  });

  it('gives a mutating tool one attempt unless it uses the idempotency key', () => {
    const base = { description: 'd', input: z.object({}), run: async () => 1, effects: 'mutating' as const };
    expect(defineTool({ ...base, name: 'once' }).spec.retry.maximumAttempts).toBe(1);
    expect(defineTool({ ...base, name: 'keyed', usesIdempotencyKey: true }).spec.retry.maximumAttempts).toBe(3);
    expect(() => defineTool({ ...base, name: 'unsafe', retry: { maximumAttempts: 5 } })).toThrow(ToolDefinitionError);
    expect(() => defineTool({ ...base, name: 'unsafe', retry: { maximumAttempts: 5 } })).toThrow(/usesIdempotencyKey/);
    expect(defineTool({ ...base, name: 'keyed5', usesIdempotencyKey: true, retry: { maximumAttempts: 5 } }).spec).toMatchObject({ retry: { maximumAttempts: 5 }, usesIdempotencyKey: true });
  });

  it('declares its activity type and task queue', () => {
    const tool = defineTool({ name: 'far', description: 'd', input: z.object({}), run: async () => 1, activityType: 'far_v2', taskQueue: 'gpu' });
    expect(tool.spec.executor).toEqual({ kind: 'activity', activityType: 'far_v2', taskQueue: 'gpu' });
    expect(() => defineTool({ name: 'x', description: 'd', input: z.object({}), run: async () => 1, taskQueue: ' ' })).toThrow(/taskQueue/);
  });
});

describe('cut outputs say what they were', () => {
  it('an object cut to fit history is named as an object in the observation', () => {
    const big = { rows: Array.from({ length: 5_000 }, (_, index) => ({ index, text: 'row' })) };
    const capped = capOutput(big, 4_000);
    expect(capped.outputKind).toBe('object');
    expect(typeof capped.output).toBe('string');
    const observation = summarize([{ id: 's1-1', callId: 'c', tool: 't', ok: true, output: capped.output, outputBytes: capped.outputBytes, outputKind: capped.outputKind, durationMs: 1 }], 2_000);
    expect(observation.results[0]?.preview).toMatch(/^\[cut to fit history: a JSON object of \d+ bytes; its head and tail follow\]\n\{"rows"/);
  });
});
