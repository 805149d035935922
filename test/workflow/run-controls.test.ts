import type { WorkflowHandle } from '@temporalio/client';
import { DEFAULT_SYSTEM_PROMPT } from '../../src/core/transcript';
import { historyEvents, modelCalls, scheduledActivities, withAgent } from '../helpers/agent';
import { createTestTools, LATCH_BOUND_MS } from '../helpers/test-tools';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** The `agentState` query's answer, as a client reads it (only the fields these tests assert on). */
interface AgentStateView {
  status: string;
  step: number;
  maxSteps: number;
  pending: Array<{ id: string; tool: string }>;
  usage: { inputTokens: number; outputTokens: number; modelCalls: number };
  toolCalls: { ok: number; failed: number };
  recent: Array<{ id: string; step: number; tool: string; ok: boolean }>;
}

function agentState(handle: WorkflowHandle): Promise<AgentStateView> {
  return handle.query<AgentStateView>('agentState');
}

/**
 * Queries the run until `accept` holds. The run moves on its own (an activity completion is a workflow task
 * away), so the test waits for the state it expects, bounded generously rather than timed.
 */
async function stateWhen(handle: WorkflowHandle, accept: (state: AgentStateView) => boolean, what: string): Promise<AgentStateView> {
  const deadline = Date.now() + LATCH_BOUND_MS;
  for (;;) {
    const state = await agentState(handle);
    if (accept(state)) return state;
    if (Date.now() > deadline) throw new Error(`agentState never showed ${what}; last: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Budgets, the system prompt and the live state query, against the real dev server and the scripted model. */
describe('run controls', () => {
  jest.setTimeout(90_000);

  it('stops at the token budget once the model has used it up, before running that answer’s calls', async () => {
    const testTools = createTestTools();
    // Every turn calls `strict`, whose output is fixed, so the first request is the same in both runs.
    const script = { turns: [{ toolCalls: [{ name: 'strict', arguments: { count: 2 } }], repeat: 10 }] };
    await withAgent(script, testTools.tools, async ({ run }) => {
      const tiny = await run({ goal: 'count on a budget', budget: { maxTokens: 1 } });
      expect(tiny.result).toMatchObject({ status: 'budget_exceeded', steps: 1, toolCalls: { ok: 0, failed: 0 } });
      // The stop path keeps one tool-less turn: the model answers from what it has.
      expect(tiny.result.answer.startsWith("Stopped: the token budget of 1 is used up after 1 step. The model's answer from what it had:")).toBe(true);
      expect(tiny.result.answer).toContain('ToolSkipped: not run: the budget is used up');
      expect(scheduledActivities(await historyEvents(tiny.handle))).not.toContain('strict');
      expect(testTools.handlerCalls.get('strict')).toBeUndefined();

      // A budget one token above the first answer's usage lets step 1 run its call and stops at step 2.
      const firstPlan = modelCalls(await historyEvents(tiny.handle))[0]?.answer;
      const firstAnswerTokens = (firstPlan?.usage.inputTokens ?? 0) + (firstPlan?.usage.outputTokens ?? 0);
      expect(firstAnswerTokens).toBeGreaterThan(1);
      expect(tiny.result.usage.modelCalls).toBe(2);
      const maxTokens = firstAnswerTokens + 1;
      const { result } = await run({ goal: 'count on a budget', budget: { maxTokens } });
      expect(result).toMatchObject({ status: 'budget_exceeded', steps: 2, toolCalls: { ok: 1, failed: 0 } });
      expect(result.answer.startsWith(`Stopped: the token budget of ${maxTokens} is used up after 2 steps.`)).toBe(true);
      expect(result.usage.modelCalls).toBe(3);
      expect(result.usage.inputTokens + result.usage.outputTokens).toBeGreaterThanOrEqual(maxTokens);
      expect(testTools.handlerCalls.get('strict')).toBe(1);
    });
  });

  it('stops at the wall-time budget before the next step, and not while there is time left', async () => {
    const testTools = createTestTools();
    // Room enough for the catalogue and the first model call on a loaded machine; the wait outlasts it.
    const script = { turns: [{ toolCalls: [{ name: 'wait', arguments: { seconds: 4, reason: 'let the budget pass' } }] }, FINAL] };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { result } = await run({ goal: 'wait past the budget', budget: { maxWallTimeMs: 3_000 } });
      expect(result).toMatchObject({ status: 'budget_exceeded', steps: 1, toolCalls: { ok: 1, failed: 0 } });
      expect(result.answer.startsWith("Stopped: the wall-time budget of 3000 ms is used up after 1 step. The model's answer from what it had:")).toBe(true);
      // Once the budget was gone the model was asked once more, with no tools, to answer from what it had.
      expect(model.requests).toHaveLength(2);
      expect(model.requests[1]?.tools).toEqual([]);

      const roomy = await run({ goal: 'wait within the budget', budget: { maxWallTimeMs: 600_000 } });
      expect(roomy.result).toMatchObject({ status: 'final', steps: 2 });
    });
  });

  it('sends the run’s system prompt as the first message of every model request', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'strict', arguments: { count: 1 } }] }, { content: 'The goal was: {{goal}}' }] };
    const systemPrompt = 'You are the run-controls test agent. Answer in one sentence.';
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { result } = await run({ goal: 'report the goal back', systemPrompt });
      expect(result).toMatchObject({ status: 'final', steps: 2, answer: 'The goal was: report the goal back' });
      expect(model.requests.map((request) => request.systemPrompt)).toEqual([systemPrompt, systemPrompt]);

      // Without one, the default prompt is sent.
      const before = model.requests.length;
      await run({ goal: 'report the goal back' });
      expect(model.requests.slice(before).map((request) => request.systemPrompt)).toEqual([DEFAULT_SYSTEM_PROMPT, DEFAULT_SYSTEM_PROMPT]);
    });
  });

  it('answers the agentState query with the live step, pending calls, usage and recent calls', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'blocked', arguments: { label: 'a' } }, { name: 'blocked', arguments: { label: 'b' } }] }, FINAL] };
    await withAgent(script, testTools.tools, async ({ start }) => {
      const handle = await start({ goal: 'block twice', maxSteps: 4 });
      await testTools.gates.started('a');
      await testTools.gates.started('b');

      // Both calls are blocked in their tools: the query shows them pending, and nothing finished yet.
      const during = await agentState(handle);
      expect(during).toMatchObject({ status: 'running', step: 1, maxSteps: 4, toolCalls: { ok: 0, failed: 0 }, recent: [] });
      expect(during.pending.map(({ id, tool }) => ({ id, tool })).sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: 's1-1', tool: 'blocked' },
        { id: 's1-2', tool: 'blocked' },
      ]);
      expect(during.usage.modelCalls).toBe(1);
      expect(during.usage.inputTokens).toBeGreaterThan(0);
      expect(during.usage.outputTokens).toBeGreaterThan(0);

      testTools.gates.release('a');
      const afterFirst = await stateWhen(handle, (state) => state.recent.length === 1, 'the first call finished');
      expect(afterFirst.pending.map(({ id, tool }) => ({ id, tool }))).toEqual([{ id: 's1-2', tool: 'blocked' }]);
      expect(afterFirst.recent).toEqual([expect.objectContaining({ id: 's1-1', step: 1, tool: 'blocked', ok: true })]);
      expect(afterFirst).toMatchObject({ status: 'running', step: 1, toolCalls: { ok: 1, failed: 0 } });

      testTools.gates.release('b');
      const result = (await handle.result()) as { status: string; usage: AgentStateView['usage'] };
      expect(result.status).toBe('final');
      const after = await agentState(handle);
      expect(after).toMatchObject({ status: 'final', step: 2, pending: [], toolCalls: { ok: 2, failed: 0 }, usage: result.usage });
      expect(after.recent).toEqual([
        expect.objectContaining({ id: 's1-1', step: 1, tool: 'blocked', ok: true }),
        expect.objectContaining({ id: 's1-2', step: 1, tool: 'blocked', ok: true }),
      ]);
    });
  });
});
