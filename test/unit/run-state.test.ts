import { spec } from '../helpers/tool-spec';
import { createWorkflowContextReader } from '../../src/activities/planner/context-reader';
import { promptSeen } from '../../src/activities/planner/plan-activity';
import { RUN_STATUSES, RUN_STATUS_WORDS, isOutcome } from '../../src/contracts/status';
import type { ChatMessage } from '../../src/contracts/chat-message';
import type { PlannerContext, PlannerContextRequest, PlanRequest } from '../../src/contracts/planner-io';
import { RunState } from '../../src/workflows/agent/run-state';
import { stopReason } from '../../src/workflows/agent/stop-reason';
import { AgentRunInputSchema } from '../../src/contracts/run-input';


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
    expect(stopReason(at(1, 0, 1_000), input, 'before_step')).toEqual({ status: 'budget_exceeded', answer: 'Stopped: the wall-time budget of 1000 ms is used up after 1 step.' });
  });

  it('checks the token budget before tools run, and only then', () => {
    expect(stopReason(at(1, 500, 0), input, 'before_step')).toBeUndefined();
    expect(stopReason(at(1, 99, 0), input, 'before_tools')).toBeUndefined();
    expect(stopReason(at(1, 100, 0), input, 'before_tools')).toEqual({ status: 'budget_exceeded', answer: 'Stopped: the token budget of 100 is used up after 1 step.' });
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
