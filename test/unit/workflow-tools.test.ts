import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { createToolActivities } from '../../src/activities/tool-activities';
import { executorOf } from '../../src/core/execution';
import type { ToolSpec } from '../../src/contracts/tool-spec';
import { failedResult } from '../../src/core/task-result';
import { createAskUserTool } from '../../src/tools/builtin/ask-user';
import { createWaitTool } from '../../src/tools/builtin/wait';
import { defineTool, ToolDefinitionError } from '../../src/tools/define-tool';
import { activityOf, defineWorkflowTool } from '../../src/tools/define-workflow-tool';
import { createToolRegistry } from '../../src/tools/registry';
import { EXECUTORS } from '../../src/workflows/agent/executors';

/** The catalogue a recorded run read (the result of its first `describeTools`), decoded from the history's payload. */
function recordedCatalogue(history: string): ToolSpec[] {
  const { events } = JSON.parse(readFileSync(join(__dirname, '..', 'histories', `${history}.json`), 'utf8')) as {
    events: Array<{ activityTaskCompletedEventAttributes?: { result?: { payloads?: Array<{ data: string }> } } }>;
  };
  for (const event of events) {
    const data = event.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
    if (data === undefined) continue;
    const value: unknown = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
    if (Array.isArray(value)) return value as ToolSpec[];
  }
  throw new Error(`no catalogue in ${history}`);
}

const echo = defineTool({ name: 'echo', description: 'Echoes.', input: z.object({ text: z.string() }), run: async ({ text }) => text });

describe('workflow-side tools', () => {
  it('write the catalogue entries the recorded runs read, key for key', () => {
    const recorded = recordedCatalogue('agent-wait-timer');
    const wait = recorded.find((spec) => spec.name === 'wait');
    const askUser = recorded.find((spec) => spec.name === 'ask_user');
    const maxSeconds = wait?.executor?.kind === 'timer' ? wait.executor.maxSeconds : undefined;
    expect(JSON.stringify(createWaitTool({ maxSeconds }).spec)).toBe(JSON.stringify(wait));
    expect(JSON.stringify(createAskUserTool().spec)).toBe(JSON.stringify(askUser));
  });

  it('have no run, and register no activity', () => {
    const wait = createWaitTool({ maxSeconds: 9 });
    expect('run' in wait).toBe(false);
    expect(executorOf(wait.spec)).toEqual({ kind: 'timer', maxSeconds: 9 });
    expect(activityOf(wait)).toBeUndefined();
    expect(activityOf(echo)).toEqual({ tool: echo, activityType: 'echo' });
    const registry = createToolRegistry([echo, wait, createAskUserTool()]);
    expect([...registry.tools.keys()]).toEqual(['echo', 'wait', 'ask_user']);
    expect([...registry.activityTools.keys()]).toEqual(['echo']);
    expect(registry.catalogue().map((spec) => spec.name)).toEqual(['echo', 'wait', 'ask_user']);
    const activities = createToolActivities(registry);
    expect(Object.keys(activities).sort()).toEqual(['describeTools', 'echo']);
  });

  it('cannot be given a run or an activity executor', () => {
    const base = { name: 'later', description: 'Waits.', input: z.object({ seconds: z.number() }) };
    // @ts-expect-error a workflow-side tool has no handler
    expect(() => defineWorkflowTool({ ...base, executor: { kind: 'timer' }, run: async () => 1 })).toThrow(ToolDefinitionError);
    // @ts-expect-error a workflow-side tool has no activity executor
    expect(() => defineWorkflowTool({ ...base, executor: { kind: 'activity', activityType: 'later' } })).toThrow(/runs in the workflow/);
    expect(() => defineWorkflowTool({ ...base, name: 'has space', executor: { kind: 'timer' } })).toThrow(/Expected a tool name/);
  });
});

describe('executors', () => {
  it('are one per kind, each of the same shape', () => {
    for (const [kind, executor] of Object.entries(EXECUTORS)) {
      expect(executor.kind).toBe(kind);
      expect(typeof executor.run).toBe('function');
    }
    expect(Object.keys(EXECUTORS).sort()).toEqual(['activity', 'agent', 'question', 'timer']);
  });
});

describe('failedResult', () => {
  it('builds a failed result from what names the task, with the fields in history order', () => {
    const task = { id: 's1-1', callId: 'c1', tool: 'echo', input: { text: 'x' }, summary: 'echo x' };
    const result = failedResult(task, { type: 'ToolFailed', message: 'no' }, 12);
    expect(result).toEqual({ id: 's1-1', callId: 'c1', tool: 'echo', ok: false, error: { type: 'ToolFailed', message: 'no' }, durationMs: 12 });
    expect(Object.keys(result)).toEqual(['id', 'callId', 'tool', 'ok', 'error', 'durationMs']);
    expect(failedResult(task, { type: 'ToolSkipped', message: 'not run' }).durationMs).toBe(0);
  });
});
