import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { capOutput, createToolActivities } from '../../src/activities/tool-activities';
import { actionFromMessage } from '../../src/core/actions';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import { defineTool, ToolDefinitionError, ToolError } from '../../src/tools/define-tool';
import { createToolRegistry } from '../../src/tools/registry';

const echo = defineTool({
  name: 'echo_text',
  description: 'Echoes text.',
  input: z.object({ text: z.string().describe('What to echo') }),
  run: async ({ text }, context) => ({ text, key: context.idempotencyKey }),
});

const denied = defineTool({
  name: 'denied',
  description: 'Always refuses.',
  input: z.object({}),
  run: async () => {
    throw new ToolError('access denied to /secret');
  },
});

describe('defineTool and the registry', () => {
  it('derives a JSON schema the model reads, with the describe() texts', () => {
    expect(echo.spec.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string', description: 'What to echo' } },
      required: ['text'],
    });
    expect(echo.spec).toMatchObject({ timeoutMs: 30_000, effects: 'read', retry: { maximumAttempts: 3 } });
  });

  it('rejects bad names, bad timeouts, duplicates and reserved names with clear messages', () => {
    const base = { description: 'x', input: z.object({}), run: async () => 1 };
    expect(() => defineTool({ ...base, name: 'has space' })).toThrow(/Expected a tool name of 1-64 letters/);
    expect(() => defineTool({ ...base, name: 'ok', timeout: 'soon' as unknown as number })).toThrow(/Expected `timeout` of tool "ok" to be a duration/);
    expect(() => createToolRegistry([echo, echo])).toThrow(/Two tools are named "echo_text"/);
    expect(() => createToolRegistry([defineTool({ ...base, name: 'a', activityType: 'shared' }), defineTool({ ...base, name: 'b', activityType: 'shared' })])).toThrow(
      /Tools "a" and "b" both use the activity type "shared"/,
    );
    expect(() => createToolRegistry([defineTool({ ...base, name: 'sneaky', activityType: 'plan' })])).toThrow(/"plan" is reserved/);
    expect(createToolRegistry([defineTool({ ...base, name: 'echo' })]).tools.has('echo')).toBe(true);
    expect(() => createToolRegistry([defineTool({ ...base, name: 'plan' })])).toThrow(ToolDefinitionError);
  });
});

describe('tool activities', () => {
  const activities = createToolActivities(createToolRegistry([echo, denied]));
  const environment = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const run = (name: string, input: unknown) => {
    const activity = activities[name];
    if (!activity) throw new Error(`no activity ${name}`);
    return environment.run(activity, { taskId: 's1-1', input, idempotencyKey: 'wf/s1-1' });
  };

  it('runs the handler with the idempotency key', async () => {
    const result = await run('echo_text', { text: 'hi' });
    expect(result).toEqual({ output: { text: 'hi', key: 'wf/s1-1' }, attempt: 1, historyBytes: 29 });
  });

  it('rejects invalid input as non-retryable ToolInputInvalid, naming the field', async () => {
    await expect(run('echo_text', { text: 5 })).rejects.toMatchObject({
      type: ERROR_TYPES.toolInputInvalid,
      nonRetryable: true,
      message: expect.stringContaining('text: Invalid input: expected string'),
    });
  });

  it('with a registry that grows (MCP servers connecting late): a tool added later runs through `default`; a pending server\'s tool fails retryably', async () => {
    const registry = createToolRegistry([denied]);
    const unavailable = (activityType: string) => (activityType.startsWith('late__') ? `MCP server "late" is not connected (${activityType})` : undefined);
    const growing = createToolActivities(registry, { unavailable });
    const dispatch = growing.default;
    if (!dispatch) throw new Error('no default activity');
    const as = (activityType: string) => new MockActivityEnvironment({ activityType }, { logger: new DefaultLogger('ERROR') });
    const request = { taskId: 's1-1', input: { text: 'late' }, idempotencyKey: 'wf/s1-1' };
    await expect(as('late__echo').run(dispatch, request)).rejects.toMatchObject({ type: ERROR_TYPES.mcpServerUnavailable, nonRetryable: false, message: 'MCP server "late" is not connected (late__echo)' });
    await expect(as('nobody').run(dispatch, request)).rejects.toMatchObject({ type: 'NotFoundError', nonRetryable: false });
    registry.add([echo]);
    expect(await as('echo_text').run(dispatch, request)).toMatchObject({ output: { text: 'late' } });
    expect((await growing.describeTools()).map((spec) => spec.name)).toEqual(['denied', 'echo_text']);
    // Without `unavailable` the worker registers no `default`, and no tool may take that name.
    expect(activities.default).toBeUndefined();
    expect(() => createToolRegistry([defineTool({ name: 'default', description: 'x', input: z.object({}), run: async () => 1 })])).toThrow(/"default" is reserved/);
  });

  it('turns a ToolError into a non-retryable ToolError failure', async () => {
    await expect(run('denied', {})).rejects.toMatchObject({
      type: ERROR_TYPES.toolError,
      nonRetryable: true,
      message: 'access denied to /secret',
    });
  });

  it('caps outputs that would not fit in history and reports their size', () => {
    expect(capOutput('small', 100)).toEqual({ output: 'small', historyBytes: 7 });
    const capped = capOutput('y'.repeat(10_000), 1_000);
    expect(capped.outputBytes).toBe(10_000);
    expect(String(capped.output)).toContain('bytes omitted');
  });

  it('lists the catalogue', async () => {
    expect((await activities.describeTools()).map((spec) => spec.name)).toEqual(['echo_text', 'denied']);
  });
});

describe('actionFromMessage', () => {
  it('maps no call to Final, one to ToolCall, several to Parallel, bad JSON to an inputError', () => {
    expect(actionFromMessage({ role: 'assistant', content: 'the answer' })).toEqual({ type: 'final', answer: 'the answer' });
    expect(actionFromMessage({ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'a', arguments: '{"x":1}' }] })).toEqual({
      type: 'tool_call',
      id: 'c1',
      tool: 'a',
      input: { x: 1 },
    });
    const parallel = actionFromMessage({
      role: 'assistant',
      content: '',
      toolCalls: [
        { id: 'c1', name: 'a', arguments: '' },
        { id: 'c2', name: 'b', arguments: '{oops' },
      ],
    });
    expect(parallel).toMatchObject({ type: 'parallel', actions: [{ input: {} }, { inputError: expect.stringContaining('not valid JSON') }] });
  });
});
