import { ERROR_TYPES } from '../../src/contracts/error-types';
import type { PlanRequest, PlanResult } from '../../src/contracts/planner-io';
import { modelStream } from '../../src/client/model-stream';
import type { AgentWorkflow } from '../../src/contracts/definitions';
import type { ModelStreamChunk } from '../../src/contracts/model-text';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { historyEvents, patchIdsOf, recordHistory, scheduledActivities, withAgent } from '../helpers/agent';
import { payloadValues } from '../helpers/payloads';
import { createTestTools } from '../helpers/test-tools';

/** The planner as a local activity (`planner: 'local'`, issue 16): same answers, fewer round trips, linear history. */
describe("the planner's mode", () => {
  jest.setTimeout(120_000);

  it('local: the model is called by local activities with the transcript inline; tools stay activities; the answer is the same', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'a', ms: 5 } }, { name: 'sleep', arguments: { label: 'b', ms: 5 } }], repeat: 3 }, { content: 'done after {{turn}} turns: {{observations}}' }] };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { handle, result } = await run({ goal: 'a local planner', planner: 'local', maxSteps: 6 });
      expect(result).toMatchObject({ status: 'final', steps: 4, toolCalls: { ok: 6, failed: 0 }, usage: { modelCalls: 4 } });
      expect(result.answer).toContain('done after 4 turns');
      const events = await historyEvents(handle);
      // No `plan` activity: four local-activity markers instead; every tool call is still its own activity.
      expect(scheduledActivities(events)).toEqual(['describeTools', 'sleep', 'sleep', 'sleep', 'sleep', 'sleep', 'sleep']);
      expect(events.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(4);
      // The model saw the whole conversation each time (the transcript went inline, not through a query).
      expect(model.requests.map((request) => request.messages)).toEqual([2, 6, 10, 14]);
      await recordHistory(handle, 'agent-local-planner');
    });
  });

  it('activity: each plan request carries the new messages, and the worker reads the transcript from its cache, not by query', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'a', ms: 5 } }, { name: 'sleep', arguments: { label: 'b', ms: 5 } }], repeat: 3 }, { content: 'done after {{turn}} turns: {{observations}}' }] };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { handle, result } = await run({ goal: 'deltas to the planner', planner: 'activity', maxSteps: 6 });
      expect(result).toMatchObject({ status: 'final', steps: 4, toolCalls: { ok: 6, failed: 0 }, usage: { modelCalls: 4 } });
      const events = await historyEvents(handle);
      const planIds = new Set(events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'plan').map((event) => String(event.eventId)));
      const requests = events.filter((event) => planIds.has(String(event.eventId))).map((event) => payloadValues<PlanRequest>(event.activityTaskScheduledEventAttributes?.input)[0]);
      // The first request carries the opening messages and the catalogue; each later one only what the step added.
      expect(requests.map((request) => request?.delta?.from)).toEqual([0, 2, 6, 10]);
      expect(requests.map((request) => request?.delta?.messages.length)).toEqual([2, 4, 4, 4]);
      expect(requests[0]?.delta?.tools?.map((tool) => tool.name)).toContain('sleep');
      expect(requests.slice(1).map((request) => request?.delta?.tools)).toEqual([undefined, undefined, undefined]);
      const results = events
        .filter((event) => planIds.has(String(event.activityTaskCompletedEventAttributes?.scheduledEventId)))
        .map((event) => payloadValues<PlanResult>(event.activityTaskCompletedEventAttributes?.result)[0]);
      // The worker served every step from its cache (no query), and the model saw the whole conversation each time.
      expect(results.map((planned) => planned?.seen?.read)).toEqual(['cache', 'cache', 'cache', 'cache']);
      expect(results.map((planned) => planned?.seen?.messageCount)).toEqual([2, 6, 10, 14]);
      expect(model.requests.map((request) => request.messages)).toEqual([2, 6, 10, 14]);
      await recordHistory(handle, 'agent-planner-delta');
    });
  });

  it('auto (the default): a model that answers at once is called from local activities, with the same answers', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'a', ms: 5 } }], repeat: 2 }, { content: 'done after {{turn}} turns' }] };
    await withAgent(script, testTools.tools, async ({ run, model }) => {
      const { handle, result } = await run({ goal: 'the default planner', maxSteps: 6 });
      expect(result).toMatchObject({ status: 'final', steps: 3, answer: 'done after 3 turns', usage: { modelCalls: 3 } });
      const events = await historyEvents(handle);
      expect(patchIdsOf(events)).toContain('planner-auto-v1');
      // No `plan` activity: each model call answered within the hand-off time, inside its workflow task.
      expect(scheduledActivities(events)).not.toContain('plan');
      expect(events.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity').length).toBeGreaterThanOrEqual(3);
      expect(model.requests.map((request) => request.messages)).toEqual([2, 5, 8]);
      await recordHistory(handle, 'agent-planner-auto');
      // 10 s for this worker's hand-off: on a loaded machine a scripted answer can take 200 ms, and this test is about those that do not.
    }, { handoffAfterMs: 10_000 });
  });

  it('auto: a model still writing after 200 ms is handed to the plan activity, which streams the rest of the same request', async () => {
    const answer = 'An answer long enough to take the model about a second to write, so that its call is handed over.';
    await withAgent({ turns: [{ content: answer, chunkDelayMs: 50 }] }, [], async ({ start, client, model }) => {
      const handle = await start({ goal: 'write slowly' });
      const chunks: ModelStreamChunk[] = [];
      for await (const chunk of modelStream(client.workflow.getHandle<AgentWorkflow>(handle.workflowId))) chunks.push(chunk);
      const result = (await handle.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', answer });
      // One request: the activity went on with the local call's stream (the dev server dispatches it to the same worker).
      expect(model.requests).toHaveLength(1);
      const events = await historyEvents(handle);
      expect(scheduledActivities(events)).toEqual(['describeTools', 'plan']);
      const summaries = events.map((event) => event.userMetadata?.summary).filter((summary) => summary !== undefined && summary !== null).map((summary) => payloadValues<string>({ payloads: [summary] })[0]);
      expect(summaries).toContain('plan step 1 · writing');
      // The text reached the reader as it was written, in pieces, and whole.
      const texts = chunks.filter((chunk) => chunk.type === 'text').map((chunk) => (chunk.type === 'text' ? chunk.text : ''));
      expect(texts.length).toBeGreaterThanOrEqual(2);
      expect(texts.join('')).toBe(answer);
      await recordHistory(handle, 'agent-planner-handoff');
    });
  });

  it('local: a model error that cannot be retried fails the run with its type, as with the activity planner', async () => {
    await withAgent({ turns: [{ status: 400, times: 5, message: 'bad request' }, { content: 'never' }] }, [], async ({ run, model }) => {
      const { result } = await run({ goal: 'a refused request', planner: 'local' });
      expect(result).toMatchObject({ status: 'failed', error: { type: ERROR_TYPES.modelBadRequest } });
      expect(model.requests).toHaveLength(1);
    });
  });
});
