import { z } from 'zod';
import { capOutput } from '../../src/activities/tool-activities';
import { createWorkflowContextReader, promptSeen } from '../../src/activities/planner/plan-activity';
import { RUN_STATUSES, RUN_STATUS_WORDS, isOutcome } from '../../src/contracts/status';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import { executorOf } from '../../src/core/execution';
import type { ChatMessage } from '../../src/contracts/chat-message';
import type { PlannerContext, PlannerContextRequest, PlanRequest } from '../../src/contracts/planner-io';
import type { ToolSpec } from '../../src/contracts/tool-spec';
import { planFromAction, planProblems } from '../../src/core/plan/plan';
import { prepareNode } from '../../src/core/plan/tasks';
import { TOOL_RETRY_DEFAULT } from '../../src/contracts/limits';
import { summarize } from '../../src/core/summarize';
import { defineTool, ToolDefinitionError } from '../../src/tools/define-tool';
import { createWaitTool } from '../../src/tools/builtin/wait';
import { RunState } from '../../src/workflows/agent/run-state';
import { stopReason } from '../../src/workflows/agent/stop-reason';
import { AgentRunInputSchema } from '../../src/contracts/run-input';

const spec = (overrides: Partial<ToolSpec> = {}): ToolSpec => ({
  name: 'echo',
  description: 'echo',
  inputSchema: {},
  timeoutMs: 1_000,
  retry: TOOL_RETRY_DEFAULT,
  effects: 'read',
  ...overrides,
});

describe('the status vocabulary', () => {
  it('is one list: running and the waiting statuses are live, the rest are outcomes', () => {
    expect(RUN_STATUS_WORDS).toEqual(['running', 'waiting_for_approval', 'waiting_for_input', 'waiting_for_budget', 'paused', 'idle', 'final', 'max_steps', 'budget_exceeded', 'cancelled', 'failed']);
    expect(isOutcome(RUN_STATUSES.running)).toBe(false);
    expect(isOutcome(RUN_STATUSES.waitingForApproval)).toBe(false);
    expect(RUN_STATUS_WORDS.filter(isOutcome)).toEqual(['final', 'max_steps', 'budget_exceeded', 'cancelled', 'failed']);
  });
});

describe('stopReason', () => {
  const input = { maxSteps: 3, budget: { maxTokens: 100, maxWallTimeMs: 1_000 } };
  const at = (step: number, tokens: number, elapsed: number) => ({ step, usage: { inputTokens: tokens, outputTokens: 0, modelCalls: step }, startedAt: 0, now: elapsed });

  it('checks the step cap, then the wall time, before a step', () => {
    expect(stopReason(at(2, 0, 0), input, 'before_step')).toBeUndefined();
    expect(stopReason(at(3, 500, 5_000), input, 'before_step')).toEqual({ status: 'max_steps' });
    expect(stopReason(at(1, 0, 1_000), input, 'before_step')).toEqual({ status: 'budget_exceeded', answer: 'Stopped: the wall-time budget of 1000 ms is used up after 1 steps.' });
  });

  it('checks the token budget before tools run, and only then', () => {
    expect(stopReason(at(1, 500, 0), input, 'before_step')).toBeUndefined();
    expect(stopReason(at(1, 99, 0), input, 'before_tools')).toBeUndefined();
    expect(stopReason(at(1, 100, 0), input, 'before_tools')).toEqual({ status: 'budget_exceeded', answer: 'Stopped: the token budget of 100 is used up after 1 steps.' });
  });
});

describe('RunState', () => {
  const state = () => new RunState(AgentRunInputSchema.parse({ goal: 'g' }));

  it('gives the planner exactly the prefix it was scheduled with, and refuses a stale read', () => {
    const run = state();
    run.transcript.recordCatalogue([spec()]);
    run.beginStep();
    const count = run.messageCount;
    run.recordPlan({ message: { role: 'assistant', content: 'appended later' }, usage: { inputTokens: 1, outputTokens: 1 }, model: 'm' });
    const context = run.plannerContext({ step: 1, messageCount: count, includeTools: false });
    expect(context.messages).toHaveLength(count);
    expect(context.tools).toBeUndefined();
    expect(run.plannerContext({ step: 1, messageCount: count, includeTools: true }).tools).toHaveLength(1);
    expect(() => run.plannerContext({ step: 2, messageCount: count, includeTools: false })).toThrow(/stale planner read/);
    expect(() => run.plannerContext({ step: 1, messageCount: 99, includeTools: false })).toThrow(/stale planner read/);
    // Planners of older workers send no request: they get everything, as before.
    expect(run.plannerContext().messages).toHaveLength(count + 1);
  });

  it('changes status only when it finishes, and reports what the model saw', () => {
    const run = state();
    expect(run.status).toBe('running');
    run.beginStep();
    run.recordPlan({
      message: { role: 'assistant', content: 'hi' },
      usage: { inputTokens: 3, outputTokens: 4 },
      model: 'm',
      seen: { messageCount: 2, transcriptHash: 'abcd', tools: 5 },
    });
    expect(run.snapshot()).toMatchObject({ status: 'running', step: 1, usage: { inputTokens: 3, outputTokens: 4, modelCalls: 1 }, lastPrompt: { messageCount: 2, tools: 5 } });
    expect(run.details()).toContain('Last plan saw 2 messages (sha256 abcd) and 5 tools');
    expect(run.finish('final', 'done')).toMatchObject({ status: 'final', steps: 1 });
    expect(run.status).toBe('final');
  });
});

describe('the planner reads by reference', () => {
  const messages: ChatMessage[] = [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }];
  /** A request whose delta brings no messages (a step past the delta limit): the worker has the prefix, or asks. */
  const request = (step: number, messageCount: number): PlanRequest => ({ workflowId: 'w', runId: 'r', step, finalTurn: false, messageCount, delta: { from: messageCount, messages: [] } });

  it('asks for the catalogue once per run, and for the scheduled prefix whenever its cache lacks some of it', async () => {
    const asked: Array<PlannerContextRequest | undefined> = [];
    const read = createWorkflowContextReader(async (_request, args) => {
      asked.push(args);
      return { messages: messages.slice(0, args?.messageCount), ...(args?.includeTools ? { tools: [spec()] } : {}) } satisfies PlannerContext;
    });
    const first = await read(request(1, 1));
    const second = await read(request(2, 2));
    expect(first).toMatchObject({ messages: messages.slice(0, 1), read: 'query' });
    expect(second).toMatchObject({ messages, read: 'query' });
    expect(first.tools).toHaveLength(1);
    expect(second.tools).toHaveLength(1);
    expect(asked).toEqual([
      { step: 1, messageCount: 1, includeTools: true },
      { step: 2, messageCount: 2, includeTools: false },
    ]);
    // The same prefix again (a retried request) is in the cache now.
    expect(await read(request(2, 2))).toMatchObject({ messages, read: 'cache' });
    await read({ ...request(1, 2), runId: 'next-run' });
    expect(asked).toHaveLength(3);
    expect(asked[2]?.includeTools).toBe(true);
  });

  it('hashes what the model saw, stably', () => {
    expect(promptSeen(messages, 3)).toEqual({ messageCount: 2, transcriptHash: promptSeen([...messages], 3).transcriptHash, tools: 3 });
    expect(promptSeen(messages, 3).transcriptHash).toMatch(/^[0-9a-f]{16}$/);
    expect(promptSeen([...messages, { role: 'user', content: 'x' }], 3).transcriptHash).not.toBe(promptSeen(messages, 3).transcriptHash);
  });
});

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
