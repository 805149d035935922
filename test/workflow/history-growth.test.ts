import { temporal } from '@temporalio/proto';
import { historyEvents, modelCalls, recordHistory, withAgent } from '../helpers/agent';
import { createTestTools } from '../helpers/test-tools';

const STEPS = 40;

/**
 * History must grow linearly: the activity planner reads the transcript by reference and the default (local) one gets
 * it as a local activity's input, which never enters history, so every observation is stored once. With the transcript passed as activity input, step 40 would add ~8x what step 5 adds.
 */
describe('history growth', () => {
  it(`adds about the same bytes at step ${STEPS} as at step 5 (tools return 4 KB each)`, async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'blob', arguments: { bytes: 4_096 } }], repeat: STEPS }, { content: 'done' }] };
    await withAgent(script, testTools.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'grow the history', maxSteps: STEPS + 1 });
      expect(result).toMatchObject({ status: 'final', steps: STEPS + 1, toolCalls: { ok: STEPS, failed: 0 } });

      const events = await historyEvents(handle);
      // A step starts with its model call's record (the default planner's local call: a marker).
      const steps = new Set(modelCalls(events).map((call) => call.event));
      const bytesPerStep: number[] = [];
      for (const event of events) {
        if (steps.has(event)) bytesPerStep.push(0);
        const size = temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
        if (bytesPerStep.length > 0) bytesPerStep[bytesPerStep.length - 1] = (bytesPerStep.at(-1) ?? 0) + size;
      }
      expect(bytesPerStep).toHaveLength(STEPS + 1);
      const step5 = bytesPerStep[4] ?? 0;
      const step40 = bytesPerStep[STEPS - 1] ?? 0;
      expect(step5).toBeGreaterThan(4_096);
      expect(step40).toBeLessThanOrEqual(step5 * 1.5);
      await recordHistory(handle, 'agent-40-steps');
    });
  }, 180_000);
});
