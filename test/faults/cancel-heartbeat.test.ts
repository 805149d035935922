import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { defineTool } from '../../src/tools/define-tool';
import { historyEvents, recordHistory, withAgent } from '../helpers/agent';
import { waitUntil } from '../helpers/effect-tools';
import { saveFigure } from '../helpers/figures';

const HEARTBEAT_TIMEOUT_MS = 3_000;

/** Guarantee 4: cancelling a run reaches a long, heartbeating tool; the run ends cancelled with nothing left running. */
describe('cancellation during a long, heartbeating tool', () => {
  it('the tool sees the abort within its heartbeat timeout and the run ends cancelled', async () => {
    const seen: { startedAt?: number; abortedAt?: number; returnedAt?: number } = {};
    const longTool = defineTool({
      name: 'long_job',
      description: 'Works for a minute, heartbeating.',
      input: z.object({}),
      timeout: '2 minutes',
      heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
      run: async (_input, context) => {
        seen.startedAt = Date.now();
        context.signal.addEventListener('abort', () => (seen.abortedAt = Date.now()));
        try {
          for (let second = 0; second < 60; second += 1) {
            context.heartbeat({ second });
            await sleep(500, undefined, { signal: context.signal }); // throws AbortError once cancelled
          }
          return 'finished';
        } finally {
          seen.returnedAt = Date.now();
        }
      },
    });
    const script = { turns: [{ toolCalls: [{ name: 'long_job', arguments: {} }] }, { content: 'never' }] };
    await withAgent(script, [longTool], async ({ start }) => {
      const handle = await start({ goal: 'work for a long time' });
      await waitUntil(() => seen.startedAt !== undefined, 'the tool to start');
      const cancelledAt = Date.now();
      await handle.cancel();
      const result = (await handle.result()) as AgentRunResult;
      const resultAt = Date.now();

      expect(result.status).toBe('cancelled');
      expect(seen.abortedAt).toBeDefined();
      expect((seen.abortedAt ?? Infinity) - cancelledAt).toBeLessThan(HEARTBEAT_TIMEOUT_MS);
      // Nothing left running: the tool had returned before the run's result existed, and the server saw it stop.
      expect(seen.returnedAt).toBeLessThanOrEqual(resultAt);
      const events = await historyEvents(handle);
      expect(events.some((event) => event.activityTaskCanceledEventAttributes)).toBe(true);
      saveFigure('cancel-heartbeat', { heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS, abortAfterCancelMs: (seen.abortedAt ?? 0) - cancelledAt, resultAfterCancelMs: resultAt - cancelledAt });
      await recordHistory(handle, 'agent-cancel-heartbeat');
    });
  }, 60_000);
});
