import { ERROR_TYPES } from '../src/shared/errors';
import { historyEvents, recordHistory, scheduledActivities, withAgent } from './helpers/agent';
import { createTestTools } from './helpers/test-tools';

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

  it('local: a model error that cannot be retried fails the run with its type, as with the activity planner', async () => {
    await withAgent({ turns: [{ status: 400, times: 5, message: 'bad request' }, { content: 'never' }] }, [], async ({ run, model }) => {
      const { result } = await run({ goal: 'a refused request', planner: 'local' });
      expect(result).toMatchObject({ status: 'failed', error: { type: ERROR_TYPES.modelBadRequest } });
      expect(model.requests).toHaveLength(1);
    });
  });
});
