import { actionFromMessage, limitToolCalls } from '../../src/core/actions';
import type { ToolCallAction } from '../../src/core/model';
import { checkPlan, MAX_PLAN_NODES, submitPlanSpec } from '../../src/core/plan/dag';
import { foldPlans, stepGraph } from '../../src/core/plan/graph';
import type { ToolSpec } from '../../src/contracts/tool-spec';
import { atPointer, referencesIn, resolveReferences } from '../../src/core/plan/references';
import { type ToolAccess } from '../../src/core/plan/tasks';
import { MAX_ECHO_CHARS, quoteInput } from '../../src/core/quote-input';
import { compileJsonSchema } from '../../src/tools/json-schema';

const call = (input: unknown): ToolCallAction => ({ type: 'tool_call', id: 'call_1', tool: 'submit_plan', input });
const tools = { refusal: (tool: string) => (['get', 'sum'].includes(tool) ? undefined : `there is no tool named "${tool}"`) };
const problemsOf = (input: unknown) => {
  const checked = checkPlan(call(input), 's1-1', tools);
  return 'problems' in checked ? checked.problems : [];
};

describe('checking a submitted plan', () => {
  it('orders nodes so every dependency comes first, and names tasks <call task>.<node>', () => {
    const checked = checkPlan(
      call({
        nodes: [
          { id: 'total', tool: 'sum', args: { values: [{ $ref: 'a', pointer: '/n' }, { $ref: 'b', pointer: '/n' }] }, dependsOn: ['a', 'b'] },
          { id: 'a', tool: 'get', args: { key: 'a' } },
          { id: 'b', tool: 'get', args: { key: 'b' } },
        ],
      }),
      's1-1',
      tools,
    );
    if ('problems' in checked) throw new Error(checked.problems.join('; '));
    expect(checked.nodes.map((node) => [node.id, node.dependsOn])).toEqual([
      ['s1-1.a', []],
      ['s1-1.b', []],
      ['s1-1.total', ['s1-1.a', 's1-1.b']],
    ]);
    expect(checked.nodes[2]?.call).toMatchObject({ id: 'call_1#total', tool: 'sum' });
    expect(checked.outline).toBe('total sum ← a, b; a get; b get');
  });

  it("accepts the seed's nested Parallel shape (and `parallel` lists) as groups of independent nodes", () => {
    const checked = checkPlan(
      call({
        nodes: [
          { Parallel: { actions: [{ id: 'a', tool: 'get', args: {} }, { parallel: [{ id: 'b', tool: 'get', args: {} }] }] } },
          { id: 'c', tool: 'sum', args: {}, dependsOn: ['a', 'b'] },
        ],
      }),
      's2-1',
      tools,
    );
    expect('nodes' in checked && checked.nodes.map((node) => node.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses, with every problem named: shapes, duplicates, unknown tools, self and unknown dependencies, references, cycles, the cap', () => {
    expect(problemsOf({ steps: [] })).toEqual(['"nodes" must be an array of nodes']);
    expect(problemsOf({ nodes: [] })).toEqual(['the plan has no nodes']);
    expect(problemsOf('x')).toEqual(['the arguments must be an object {"nodes": [...]}']);
    expect(problemsOf({ nodes: [{ id: '1a', tool: 'get', args: {} }] })[0]).toMatch(/"id" must be a letter/);
    expect(problemsOf({ nodes: [{ id: 'a', tool: 'get', args: {} }, { id: 'a', tool: 'get', args: {} }] })).toEqual(['two nodes have the id "a"']);
    expect(problemsOf({ nodes: [{ id: 'a', tool: 'submit_plan', args: {} }] })).toEqual(['node "a": a plan cannot contain another plan']);
    expect(problemsOf({ nodes: [{ id: 'a', tool: 'rm', args: {}, dependsOn: ['a', 'z'] }] })).toEqual([
      'node "a": there is no tool named "rm"',
      'node "a" depends on itself',
      'node "a" depends on "z", which is not in the plan',
    ]);
    expect(problemsOf({ nodes: [{ id: 'a', tool: 'get', args: { x: { $ref: 'a', pointer: 'no-slash' } } }] })).toEqual([
      'node "a" references "a", which is not in its dependsOn',
      'node "a": the pointer of a reference to "a" must be a JSON pointer such as "/items/0", got "no-slash"',
    ]);
    expect(
      problemsOf({
        nodes: [
          { id: 'a', tool: 'get', args: {}, dependsOn: ['b'] },
          { id: 'b', tool: 'get', args: {}, dependsOn: ['a'] },
          { id: 'c', tool: 'get', args: {} },
        ],
      }),
    ).toEqual(['the nodes "a", "b" depend on each other in a cycle (or on a node in one)']);
    const tooMany = Array.from({ length: MAX_PLAN_NODES + 1 }, (_unused, index) => ({ id: `n${index}`, tool: 'get', args: {} }));
    expect(problemsOf({ nodes: tooMany })[0]).toMatch(new RegExp(`has ${MAX_PLAN_NODES + 1} nodes; at most ${MAX_PLAN_NODES}`));
  });

  it("offers a schema that accepts the documented example, and says when to plan by mode", () => {
    const spec = submitPlanSpec('dag');
    const example = /Example: (\{.*\})$/.exec(spec.description)?.[1] ?? '';
    expect(compileJsonSchema(spec.inputSchema)(JSON.parse(example))).toMatchObject({ ok: true });
    expect(spec.description).toContain('Use it whenever a task needs more than one tool call');
    expect(submitPlanSpec('auto').description).not.toContain('Use it whenever');
  });
});

describe('references between nodes', () => {
  const outputs = { a: { output: { items: [{ 'id/x': 7, 'til~de': 't' }] }, cut: false }, big: { output: 'head … tail', cut: true } };
  const outputOf = (node: string) => outputs[node as keyof typeof outputs];

  it('finds references and resolves whole outputs and RFC 6901 pointers (with ~1 and ~0)', () => {
    const args = { x: { $ref: 'a', pointer: '/items/0/id~1x' }, y: [{ $ref: 'a', pointer: '/items/0/til~0de' }], z: { $ref: 'a' }, plain: { ref: 'a' } };
    expect(referencesIn(args).map((reference) => reference.node)).toEqual(['a', 'a', 'a']);
    expect(resolveReferences(args, outputOf)).toEqual({ value: { x: 7, y: ['t'], z: outputs.a.output, plain: { ref: 'a' } } });
  });

  it('says why a reference cannot be resolved: a missing key or item, a cut output, a value that is not a container', () => {
    expect(resolveReferences({ v: { $ref: 'a', pointer: '/items/3' } }, outputOf)).toEqual({ problem: '/items/3 is not in the output of "a": no item "3" (the array has 1)' });
    expect(resolveReferences({ v: { $ref: 'a', pointer: '/nope' } }, outputOf)).toMatchObject({ problem: expect.stringContaining('no key "nope" (keys: items)') });
    expect(resolveReferences({ v: { $ref: 'big', pointer: '/x' } }, outputOf)).toMatchObject({ problem: expect.stringContaining('was cut to fit history') });
    expect(resolveReferences({ v: { $ref: 'big' } }, outputOf)).toEqual({ value: { v: 'head … tail' } });
    expect(atPointer(5, '/x')).toEqual({ missing: '"x" goes into a number' });
  });
});

describe('the observation of a plan', () => {
  it('folds the nodes into one entry for the submit_plan call, in place, with a line per node', () => {
    const entry = (callId: string, ok: boolean, preview: string) => ({ id: callId, callId, tool: 'get', ok, preview, bytes: preview.length, omittedBytes: 0 });
    const folded = foldPlans({ summary: 'Executed 3 tasks', results: [entry('plain', true, 'p'), entry('call_1#a', true, '1'), entry('call_1#b', false, 'ToolError: no')] }, [
      { callId: 'call_1', taskId: 's1-2', nodes: [], outline: '' },
    ]);
    expect(folded.results.map((result) => result.callId)).toEqual(['plain', 'call_1']);
    expect(folded.results[1]).toMatchObject({ id: 's1-2', tool: 'submit_plan', ok: true, bytes: 14 });
    expect(folded.results[1]?.preview).toBe('Plan of 2 nodes: 1 succeeded, 1 failed.\n[a] get ok: 1\n[b] get failed: ToolError: no');
  });
});

describe("a step's graph", () => {
  const spec = (name: string): ToolSpec => ({ name, description: name, inputSchema: { type: 'object' }, timeoutMs: 1_000, retry: { maximumAttempts: 1, initialIntervalMs: 1, backoffCoefficient: 1, maximumIntervalMs: 1 }, effects: 'read' });
  const access = { catalogue: new Map([['get', spec('get')]]), allowed: new Set(['get']) };
  const get = (id: string): ToolCallAction => ({ type: 'tool_call', id, tool: 'get', input: {} });
  const nodes = (count: number) => Array.from({ length: count }, (_unused, index) => ({ id: `n${index}`, tool: 'get', args: {} }));
  const answer = (planNodes: number) => ({ type: 'parallel' as const, actions: [get('x'), { ...call({ nodes: nodes(planNodes) }), id: 'p' }] });

  it('plain calls and plan nodes side by side; plan nodes count against the calls one answer may run', () => {
    const fits = stepGraph(answer(3), 2, access, true, 4);
    expect(fits.prepared.map((entry) => entry.node.id)).toEqual(['s2-1', 's2-2.n0', 's2-2.n1', 's2-2.n2']);
    expect(fits.accepted.map((plan) => plan.taskId)).toEqual(['s2-2']);
    const over = stepGraph(answer(4), 2, access, true, 4);
    expect(over.accepted).toEqual([]);
    const refused = over.prepared[1];
    expect(refused && 'result' in refused && refused.result.error?.message).toBe('the plan was refused and nothing ran: with its 4 nodes this answer would run 5 calls; at most 4 run per answer');
  });

  it('without plans (react), submit_plan is just a call to an unknown tool', () => {
    const { prepared, accepted } = stepGraph(answer(2), 1, access, false);
    expect(accepted).toEqual([]);
    const second = prepared[1];
    expect(second && 'result' in second && second.result.error?.type).toBe('ToolUnknown');
  });
});

describe('refusals quote model input, never whole', () => {
  const huge = 'x'.repeat(10_000);
  const spec = (name: string, extra: Partial<ToolSpec> = {}): ToolSpec => ({
    name,
    description: name,
    inputSchema: { type: 'object', properties: { key: { type: 'string' } }, additionalProperties: false },
    timeoutMs: 1_000,
    retry: { maximumAttempts: 1, initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 1_000 },
    effects: 'read',
    ...extra,
  });
  const access: ToolAccess = {
    catalogue: new Map([spec('get'), spec('wait', { executor: { kind: 'timer' } })].map((entry) => [entry.name, entry])),
    allowed: new Set(['get', 'wait']),
  };
  /** The error message of each call of an answer, as the model will read it. */
  const refusals = (calls: Array<{ name: string; arguments: string }>) =>
    stepGraph(actionFromMessage({ role: 'assistant', content: '', toolCalls: calls.map((entry, index) => ({ id: `c${index}`, ...entry })) }), 1, access, true).prepared.map((prepared) =>
      'result' in prepared ? (prepared.result.error?.message ?? '') : '',
    );
  /** A message echoes at most MAX_ECHO_CHARS of the input, says how long it was, and stays small. */
  const expectBounded = (message: string | undefined, length: number) => {
    expect(message).toContain(`(${length} characters`);
    expect(message).toContain('…');
    expect(message).not.toContain('x'.repeat(MAX_ECHO_CHARS + 1));
    expect((message ?? '').length).toBeLessThan(1_000);
  };

  it('quotes short input as JSON and cuts long input to MAX_ECHO_CHARS with an ellipsis and its length', () => {
    expect(quoteInput('rm')).toBe('"rm"');
    expect(quoteInput(huge)).toBe(`"${'x'.repeat(MAX_ECHO_CHARS)}…" (10000 characters)`);
    expect(quoteInput({ a: huge })).toMatch(/^\{"a":"x+… \(10008 characters of JSON\)$/);
    expect(quoteInput(`${'x'.repeat(MAX_ECHO_CHARS - 1)}😀😀`)).toBe(`"${'x'.repeat(MAX_ECHO_CHARS - 1)}…" (83 characters)`);
  });

  it('in a plan: a 10,000-character node id, tool, dependency or reference; a 100 KB pointer; a reference with a long extra key', () => {
    const plan = (nodes: unknown[]) => refusals([{ name: 'submit_plan', arguments: JSON.stringify({ nodes }) }])[0];
    expectBounded(plan([{ id: huge, tool: 'get', args: {} }]), 10_000);
    expectBounded(plan([{ id: 'a', tool: huge, args: {} }]), 10_000);
    expectBounded(plan([{ id: 'a', tool: 'get', args: {}, dependsOn: [huge] }]), 10_000);
    expectBounded(plan([{ id: 'a', tool: 'get', args: { key: { $ref: huge } } }]), 10_000);
    expectBounded(plan([{ id: 'a', tool: 'get', args: { key: { $ref: 'a', pointer: 'x'.repeat(100_000) } } }]), 100_000);
    expectBounded(plan([{ id: 'a', tool: 'get', args: { key: { $ref: 'a', pointer: '/a', [huge]: 1 } } }]), 10_000);
    expectBounded(plan([{ id: 'a', tool: 'get', args: { key: { $ref: { big: huge } } } }]), 10_010);
  });

  it('resolving a reference: a 100 KB pointer that names nothing, or one into a cut output', () => {
    const outputOf = () => ({ output: { items: [1] }, cut: false });
    const pointer = `/${'x'.repeat(100_000)}`;
    const resolved = resolveReferences({ v: { $ref: 'a', pointer } }, outputOf);
    expect('problem' in resolved).toBe(true);
    expectBounded('problem' in resolved ? resolved.problem : '', 100_001);
    expectBounded(JSON.stringify(resolveReferences({ v: { $ref: 'a', pointer } }, () => ({ output: 'cut', cut: true }))), 100_001);
  });

  it('plain calls: an unknown 10,000-character tool, unparsable arguments, a long property name, a timer with an unknown key', () => {
    const [unknown, notJson, extraProperty, timer] = refusals([
      { name: huge, arguments: '{}' },
      { name: 'get', arguments: `{"key": "${huge}` },
      { name: 'get', arguments: JSON.stringify({ [huge]: 1 }) },
      { name: 'wait', arguments: JSON.stringify({ seconds: 1, [huge]: 1 }) },
    ]);
    expectBounded(unknown, 10_000);
    expectBounded(notJson, 10_009);
    expectBounded(extraProperty, 10_000);
    expect(extraProperty).toContain(': not an allowed field');
    expect(timer).toContain('Unrecognized key');
    expect((timer ?? '').length).toBeLessThan(1_000);
  });

  it('calls dropped past maxCallsPerAnswer: their tool names are cut too', () => {
    const limited = limitToolCalls([{ id: 'a', name: 'get', arguments: '{}' }, { id: 'b', name: huge, arguments: '{}' }], 1);
    expect(limited.dropped?.tools).toEqual([`${'x'.repeat(MAX_ECHO_CHARS)}… (10000 characters)`]);
  });
});
