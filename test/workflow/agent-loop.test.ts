import { ERROR_TYPES } from '../../src/contracts/error-types';
import { historyEvents, modelCalls, ranActivities, recordHistory, withAgent } from '../helpers/agent';
import { createTestTools, maxOverlap } from '../helpers/test-tools';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** `count` calls of the `rendezvous` tool, each of which returns only once `meet` calls have started. */
function rendezvousCalls(count: number, meet: number) {
  return Array.from({ length: count }, (_, index) => ({ name: 'rendezvous', arguments: { label: `call-${index + 1}`, count: meet } }));
}

type Events = Awaited<ReturnType<typeof historyEvents>>;

/** The most activities of type `name` scheduled and not yet closed at once, read from the server's history. */
function maxOpenActivities(events: Events, name: string): number {
  const scheduled = new Set(events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === name).map((event) => String(event.eventId)));
  let open = 0;
  let maxOpen = 0;
  for (const event of events) {
    if (scheduled.has(String(event.eventId))) open += 1;
    const closedId =
      event.activityTaskCompletedEventAttributes?.scheduledEventId ??
      event.activityTaskFailedEventAttributes?.scheduledEventId ??
      event.activityTaskTimedOutEventAttributes?.scheduledEventId ??
      event.activityTaskCanceledEventAttributes?.scheduledEventId;
    if (closedId !== undefined && closedId !== null && scheduled.has(String(closedId))) open -= 1;
    maxOpen = Math.max(maxOpen, open);
  }
  return maxOpen;
}

/** The agent loop against the real dev server, the real `openai` client and the scripted model over HTTP. */
describe('agentWorkflow', () => {
  jest.setTimeout(90_000);

  // Overlap is proven by latches, not by timing: each `rendezvous` call returns only once enough calls have
  // started (or fails after a generous bound), so calls that do not run together fail the run.
  it('runs the 5 calls of one answer concurrently', async () => {
    const testTools = createTestTools();
    await withAgent({ turns: [{ toolCalls: rendezvousCalls(5, 5) }, FINAL] }, testTools.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'meet five times', maxParallel: 5 });
      expect(result).toMatchObject({ status: 'final', steps: 2, toolCalls: { ok: 5, failed: 0 } });
      expect(testTools.windows).toHaveLength(5);
      expect(maxOverlap(testTools.windows)).toBe(5);
      expect(maxOpenActivities(await historyEvents(handle), 'rendezvous')).toBe(5);
      await recordHistory(handle, 'agent-parallel');
    });
  });

  it('runs exactly maxParallel calls at once', async () => {
    const testTools = createTestTools();
    // Each call waits until 2 calls have started: the first two must overlap, and the semaphore allows no third.
    await withAgent({ turns: [{ toolCalls: rendezvousCalls(5, 2) }, FINAL] }, testTools.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'meet five times, two at a time', maxParallel: 2 });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 5, failed: 0 } });
      expect(testTools.windows).toHaveLength(5);
      expect(maxOverlap(testTools.windows)).toBe(2);
      // The same count, read from the server's history: exactly 2 rendezvous activities scheduled and not closed.
      expect(maxOpenActivities(await historyEvents(handle), 'rendezvous')).toBe(2);
      await recordHistory(handle, 'agent-max-parallel');
    });
  });

  it('takes free permits at once and queues the rest, with the same cap', async () => {
    const testTools = createTestTools();
    await withAgent({ turns: [{ toolCalls: rendezvousCalls(4, 2) }, { toolCalls: rendezvousCalls(2, 2) }, FINAL] }, testTools.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'meet four times, then twice, two at a time', maxParallel: 2 });
      expect(result).toMatchObject({ status: 'final', steps: 3, toolCalls: { ok: 6, failed: 0 } });
      const events = await historyEvents(handle);
      expect(maxOverlap(testTools.windows)).toBe(2);
      expect(maxOpenActivities(events, 'rendezvous')).toBe(2);
      await recordHistory(handle, 'agent-lean-scheduling');
    });
  });

  it('turns a tool that hangs past its timeout into a timeout result and goes on', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'hang', arguments: {} }, { name: 'sleep', arguments: { label: 'quick', ms: 10 } }] }, FINAL] };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { handle, result } = await run({ goal: 'try the hanging tool' });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 1 } });
      const secondTurn = model.requests.find((request) => request.turn === 2);
      expect(secondTurn?.observations).toContain(ERROR_TYPES.toolTimeout);
      expect(secondTurn?.observations).toContain('Executed 2 tasks: 1 succeeded, 1 failed (timeout)');
      expect(result.answer).toContain('ToolTimeout');
      await recordHistory(handle, 'agent-timeout');
    });
  });

  it('retries a failing tool by policy until it succeeds', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'flaky', arguments: { name: 'x' } }, { name: 'flaky', arguments: { name: 'y' } }] }, FINAL] };
    await withAgent(script, testTools.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'call the flaky tool' });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 0 } });
      expect(testTools.handlerCalls.get('flaky')).toBe(6);
      expect(result.answer).toContain('"attempt":3');
      // One idempotency key per call, stable across its three attempts, different between calls.
      expect(Object.fromEntries(testTools.attemptsByKey)).toEqual({ [`${handle.workflowId}/s1-1`]: 3, [`${handle.workflowId}/s1-2`]: 3 });
      await recordHistory(handle, 'agent-retry');
    });
  });

  it('refuses input that fails the schema before scheduling anything, and shows the model the validation message', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'strict', arguments: { count: 'many' } }] }, { toolCalls: [{ name: 'strict', arguments: { count: 3 } }] }, FINAL] };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { handle, result } = await run({ goal: 'call strict' });
      expect(result).toMatchObject({ status: 'final', steps: 3, toolCalls: { ok: 1, failed: 1 } });
      const events = await historyEvents(handle);
      // The invalid call was refused in the workflow (patch input-check-v1): no activity, no failure; the valid one ran.
      expect(events.filter((event) => event.activityTaskFailedEventAttributes)).toHaveLength(0);
      expect(ranActivities(events)).toEqual(['describeTools', 'plan', 'plan', 'strict', 'plan']);
      expect(testTools.handlerCalls.get('strict')).toBe(1);
      const secondTurn = model.requests.find((request) => request.turn === 2);
      expect(secondTurn?.observations).toContain('ToolInputInvalid: invalid input for tool "strict": count: expected integer, got string');
      await recordHistory(handle, 'agent-invalid-input-refused');
    });
  });

  it('answers unknown, disallowed and unparsable calls with error observations and schedules nothing for them', async () => {
    const testTools = createTestTools();
    const script = {
      turns: [
        {
          toolCalls: [
            { name: 'no_such_tool', arguments: {} },
            { name: 'blob', arguments: { bytes: 100 } },
            { name: 'sleep', rawArguments: '{not json' },
          ],
        },
        FINAL,
      ],
    };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { handle, result } = await run({ goal: 'misbehave', allowedTools: ['sleep', 'strict'] });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 0, failed: 3 } });
      expect(ranActivities(await historyEvents(handle))).toEqual(['describeTools', 'plan', 'plan']);
      expect(testTools.handlerCalls.size).toBe(0);
      const observations = model.requests.find((request) => request.turn === 2)?.observations ?? '';
      expect(observations).toContain('ToolUnknown: there is no tool named "no_such_tool"');
      expect(observations).toContain('ToolNotAllowed: tool "blob" is not allowed');
      expect(observations).toContain('ToolInputInvalid: invalid input for tool "sleep": the arguments are not valid JSON');
      // The model is offered only the allowed tools.
      expect(model.requests[0]?.tools.sort()).toEqual(['sleep', 'strict']);
      await recordHistory(handle, 'agent-unknown-tools');
    });
  });

  it('stops at the step cap with status max_steps and says so', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'again', ms: 1 } }], repeat: 10 }] };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { handle, result } = await run({ goal: 'loop forever', maxSteps: 3 });
      expect(result.status).toBe('max_steps');
      expect(result.steps).toBe(3);
      expect(result.answer).toMatch(/^Stopped: max steps reached \(3\)/);
      expect(result.usage.modelCalls).toBe(4);
      // The last turn offered no tools.
      expect(model.requests.at(-1)?.tools).toEqual([]);
      await recordHistory(handle, 'agent-max-steps');
    });
  });

  it('survives model 429 (with retry-after) and 500 answers', async () => {
    const testTools = createTestTools();
    const script = {
      turns: [
        { status: 429, retryAfterMs: 200, times: 2 },
        { toolCalls: [{ name: 'sleep', arguments: { label: 'a', ms: 1 } }] },
        { status: 500 },
        FINAL,
      ],
    };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { handle, result } = await run({ goal: 'cope with a flaky model' });
      expect(result).toMatchObject({ status: 'final', steps: 2 });
      expect(model.requests.map((request) => request.status)).toEqual([429, 429, 200, 500, 200]);
      // Temporal retried the model call (a local activity, or the plan activity): 3 attempts for the first turn (two
      // 429s), 2 for the second (one 500).
      const events = await historyEvents(handle);
      const attempts = modelCalls(events).map((call) => call.attempt);
      expect(attempts).toEqual([3, 2]);
      await recordHistory(handle, 'agent-model-faults');
    });
  });

  it('fails fast with a clear authentication error on a model 401', async () => {
    const testTools = createTestTools();
    await withAgent({ turns: [{ status: 401, times: 100, message: 'Incorrect API key provided: test-key' }, FINAL] }, testTools.tools, async ({ run, model }) => {
      const { handle, result } = await run({ goal: 'use a bad key' });
      expect(result.status).toBe('failed');
      expect(result.error?.type).toBe(ERROR_TYPES.modelAuthentication);
      expect(result.answer).toContain('Check OPENAI_API_KEY');
      expect(result.answer).not.toContain('test-key');
      expect(model.requests).toHaveLength(1);
      await recordHistory(handle, 'agent-model-401');
    });
  });

  it('keeps what reaches the model bounded when a tool returns 1 MB', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'blob', arguments: { bytes: 1_000_000 } }] }, FINAL] };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { result } = await run({ goal: 'read a huge output', observationBytesPerCall: 2_000 });
      expect(result.status).toBe('final');
      const secondTurn = model.requests.find((request) => request.turn === 2);
      expect(secondTurn?.bytes).toBeLessThan(10_000);
      expect(secondTurn?.observations).toContain('HEAD-MARK');
      expect(secondTurn?.observations).toContain('TAIL-MARK');
      expect(secondTurn?.observations).toMatch(/\[… 99\d{4} bytes omitted …\]/);
    });
  });
});
