import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import { outputHandle } from '../../src/outputs/output-keys';
import { pruneOutputs, type RunEnd } from '../../src/outputs/prune-outputs';
import { toolMessagesByCallId, withAgent } from '../helpers/agent';
import { saveFigure } from '../helpers/figures';
import { createLargeOutputTool, largeText, LARGE_LINE_BYTES } from '../helpers/large-output-tool';
import { testOutputStore } from '../helpers/temporal';

const CALLS = 20;
const OUTPUT_BYTES = 5 * 1_048_576;
const MB = 1_048_576;

/** Bytes of a run's history, as the server counts them and as its JSON export takes. */
async function historySize(handle: WorkflowHandle): Promise<{ server: number; json: number }> {
  const description = await handle.describe();
  return { server: Number(description.raw.workflowExecutionInfo?.historySizeBytes ?? 0), json: Buffer.byteLength(historyToJSON(await handle.fetchHistory())) };
}

/** A RunEnd from the server, as `durable-agent outputs prune` asks it. */
function serverRunEnd(handle: WorkflowHandle): (workflowId: string) => Promise<RunEnd> {
  return async (workflowId) => {
    if (workflowId !== handle.workflowId) return { open: true };
    const description = await handle.describe();
    return description.status.name === 'RUNNING' ? { open: true } : { open: false, closedAt: description.closeTime ?? new Date(0) };
  };
}

describe('tool outputs too large for history (docs/outputs.md)', () => {
  jest.setTimeout(240_000);

  it('20 calls of 5 MB each: the run ends final with a history under 2 MB, and read_output reads any part of any output', async () => {
    const workflowId = `large-outputs-${randomBytes(4).toString('hex')}`;
    const handleOf = (call: number) => outputHandle({ workflowId, taskId: `s1-${call}`, attempt: 1 });
    const script = {
      turns: [
        { toolCalls: Array.from({ length: CALLS }, (_, index) => ({ name: 'large_output', arguments: { index, bytes: OUTPUT_BYTES } })) },
        {
          toolCalls: [
            // A slice from the middle of the 8th output, and a search in the 14th.
            { id: 'slice', name: 'read_output', arguments: { handle: handleOf(8), offset: 3_000_000, length: 4_096 } },
            { id: 'search', name: 'read_output', arguments: { handle: handleOf(14), search: 'output 13 line 40000:' } },
          ],
        },
        { content: 'Done.' },
      ],
    };
    await withAgent(script, [createLargeOutputTool()], async ({ run, model }) => {
      const startedAt = Date.now();
      const { handle, result } = await run({ goal: 'read twenty large outputs', maxParallel: CALLS, maxSteps: 5 }, workflowId);
      const wallMs = Date.now() - startedAt;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: CALLS + 2, failed: 0 } });

      const size = await historySize(handle);
      expect(size.server).toBeLessThan(2 * MB);
      expect(size.json).toBeLessThan(2 * MB);

      // The model saw each output's head and tail under a line that names its handle and size.
      const second = model.requests.find((request) => request.turn === 2);
      for (let call = 1; call <= CALLS; call += 1) {
        expect(second?.observations).toContain(`[stored output ${handleOf(call)}: a JSON string of 5,242,880 bytes; its head and tail follow; read any part with read_output]`);
      }
      expect(second?.observations).toContain(`output ${CALLS - 1} line 1:`);

      const messages = await toolMessagesByCallId(handle);
      const slice = JSON.parse(messages.get('slice') ?? '{}') as { text: string; offset: number; totalBytes: number };
      expect(slice).toMatchObject({ offset: 3_000_000, totalBytes: OUTPUT_BYTES });
      expect(slice.text).toBe(largeText(7, 3_004_096).slice(3_000_000));
      const search = JSON.parse(messages.get('search') ?? '{}') as { matches: Array<{ line: number; offset: number; text: string }> };
      expect(search.matches).toEqual([{ line: 40_000, offset: 39_999 * LARGE_LINE_BYTES, text: largeText(13, 40_000 * LARGE_LINE_BYTES).slice(39_999 * LARGE_LINE_BYTES, -1) }]);

      const store = testOutputStore();
      const [blobs] = (await store.runs('default')).filter((entry) => entry.workflowId === workflowId);
      expect(blobs).toMatchObject({ blobs: CALLS });
      saveFigure('large-outputs-20x5mb', { calls: CALLS, outputBytesEach: OUTPUT_BYTES, historyBytes: size.server, historyJsonBytes: size.json, storedBytes: blobs?.bytes, wallMs });
    });
  });

  it('after a prune, reading an output of the pruned run is OutputExpired, said to the model, not retried', async () => {
    const workflowId = `expired-outputs-${randomBytes(4).toString('hex')}`;
    const handle = outputHandle({ workflowId, taskId: 's1-1', attempt: 1 });
    const first = { turns: [{ toolCalls: [{ name: 'large_output', arguments: { index: 0, bytes: 300_000 } }] }, { content: 'Done.' }] };
    const store = testOutputStore();
    await withAgent(first, [createLargeOutputTool()], async ({ run }) => {
      const { handle: run1 } = await run({ goal: 'one large output' }, workflowId);
      expect((await store.runs('default')).some((entry) => entry.workflowId === workflowId)).toBe(true);
      // The run is closed: with a window of 0 its blobs go; the server's word decides (durable-agent outputs prune).
      const report = await pruneOutputs(store, 'default', serverRunEnd(run1), { olderThanMs: 0 });
      expect(report.deleted).toEqual([expect.objectContaining({ workflowId, blobs: 1, known: true })]);
    });
    // A later run of the same id (a session's next run keeps its id too) asks for the pruned output.
    const second = { turns: [{ toolCalls: [{ id: 'late', name: 'read_output', arguments: { handle } }] }, { content: 'Saw: {{observations}}' }] };
    await withAgent(second, [createLargeOutputTool()], async ({ run }) => {
      const { handle: run2, result } = await run({ goal: 'read a pruned output' }, workflowId);
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 0, failed: 1 } });
      expect((await toolMessagesByCallId(run2)).get('late')).toMatch(new RegExp(`^Error: ${ERROR_TYPES.outputExpired}: the stored output ${handle} is gone`));
      const events = (await run2.fetchHistory()).events ?? [];
      const attempts = events.filter((event) => event.activityTaskStartedEventAttributes).map((event) => event.activityTaskStartedEventAttributes?.attempt ?? 1);
      // One attempt: OutputExpired is not retried.
      expect(Math.max(...attempts)).toBe(1);
      expect(result.answer).toContain('output expired');
    });
  });
});
