import type { AgentRunResult } from '../../src/contracts/run-result';
import { recordHistory, withAgent } from '../helpers/agent';
import { saveFigure } from '../helpers/figures';
import { createTestTools } from '../helpers/test-tools';

const RUNS = 50;

/** Guarantee 3: many runs at once, with a model that fails a third of its answers and flaky tools, all finish. */
describe('50 concurrent runs with scripted model faults and flaky tools', () => {
  it('all end final', async () => {
    const testTools = createTestTools();
    // Per run: 6 model requests, 2 of them faults (a 500 and a 429 with retry-after), one answer slow.
    const script = {
      turns: [
        { status: 500 },
        { toolCalls: [{ name: 'flaky', arguments: { name: 'a' } }, { name: 'sleep', arguments: { label: 'work', ms: 100 } }] },
        { status: 429, retryAfterMs: 200 },
        { toolCalls: [{ name: 'sleep', arguments: { label: 'more', ms: 50 } }], delayMs: 300 },
        { toolCalls: [{ name: 'blob', arguments: { bytes: 2_000 } }] },
        { content: 'finished' },
      ],
    };
    await withAgent(script, testTools.tools, async ({ start, model }) => {
      const started = Date.now();
      const handles = await Promise.all(Array.from({ length: RUNS }, (_, index) => start({ goal: `concurrent run ${index}`, maxParallel: 2 })));
      const results = (await Promise.all(handles.map((handle) => handle.result()))) as AgentRunResult[];
      const wallMs = Date.now() - started;
      expect(results.map((result) => result.status)).toEqual(Array.from({ length: RUNS }, () => 'final'));
      for (const result of results) expect(result).toMatchObject({ steps: 4, toolCalls: { ok: 4, failed: 0 } });

      const faults = model.requests.filter((request) => request.status !== 200).length;
      expect(faults).toBe(RUNS * 2);
      expect(testTools.handlerCalls.get('flaky')).toBe(RUNS * 3);
      saveFigure('concurrent-faults', { runs: RUNS, wallMs, modelRequests: model.requests.length, modelFaults: faults, faultShare: faults / model.requests.length });
      await recordHistory(handles[0]!, 'agent-concurrent-faults');
    });
  }, 180_000);
});
