import type { WorkflowHandle } from '@temporalio/client';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { historyEvents, recordHistory, scheduledActivities, toolMessagesByCallId, withAgent } from '../helpers/agent';
import { saveFigure } from '../helpers/figures';
import { createTestTools } from '../helpers/test-tools';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** Bytes of a run's history as the server counts them. */
async function historyBytes(handle: WorkflowHandle): Promise<number> {
  const description = await handle.describe();
  return Number(description.raw.workflowExecutionInfo?.historySizeBytes ?? 0);
}

function blobCalls(count: number, bytes: number) {
  return Array.from({ length: count }, () => ({ name: 'blob', arguments: { bytes } }));
}

/** Hostile sizes (issue 10 item 3): every one ends with a clear outcome; none kills the run or hangs a workflow task. */
describe('no run dies of its own size', () => {
  jest.setTimeout(180_000);

  it('a step of 220 outputs of 256 KB stays within the step output budget and ends final', async () => {
    const testTools = createTestTools();
    await withAgent({ turns: [{ toolCalls: blobCalls(220, 262_144) }, FINAL] }, testTools.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'fetch 220 big blobs', maxParallel: 8, maxCallsPerAnswer: 220 });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 220, failed: 0 } });
      const bytes = await historyBytes(handle);
      // Unbounded, this step wrote 53.9 MB and the server terminated the run. The budget is 4 MB plus the floor per call.
      expect(bytes).toBeLessThan(4_000_000 + 220 * 2_048 + 1_000_000);
      // Early calls got a large cap, later ones a smaller one: the budget shrinks as the step fills.
      expect(result.answer).toContain('bytes omitted');
      saveFigure('run-size-220-outputs', { historyBytes: bytes, calls: 220, outputBytesEach: 262_144 });
    });
  });

  it('an answer with 18,000 tool calls runs the first 64 and tells the model about the rest', async () => {
    const testTools = createTestTools();
    const calls = Array.from({ length: 18_000 }, (_, index) => ({ name: 'sleep', arguments: { label: `c${index}`, ms: 0 } }));
    await withAgent({ turns: [{ toolCalls: calls }, FINAL] }, testTools.tools, async ({ run, model }) => {
      const startedAt = Date.now();
      const { handle, result } = await run({ goal: 'a flood of calls', maxParallel: 16 });
      expect(result).toMatchObject({ status: 'final', steps: 2, toolCalls: { ok: 64, failed: 0 } });
      const events = await historyEvents(handle);
      expect(scheduledActivities(events).filter((name) => name === 'sleep')).toHaveLength(64);
      expect(events.filter((event) => event.workflowTaskFailedEventAttributes)).toHaveLength(0);
      const secondTurn = model.requests.find((request) => request.turn === 2);
      expect(secondTurn?.observations).toContain(`17936 more calls were not run (${ERROR_TYPES.toolCallLimit}: at most 64 calls per answer`);
      saveFigure('run-size-18000-calls', { wallMs: Date.now() - startedAt, scheduled: 64 });
      await recordHistory(handle, 'agent-call-limit');
    });
  });

  it('100 calls a step for 10 steps: the input carried at continue-as-new stays bounded', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: blobCalls(100, 3_000), repeat: 10 }, FINAL] };
    await withAgent(script, testTools.tools, async ({ start, client }) => {
      const handle = await start({ goal: 'many calls, many steps', maxSteps: 12, maxParallel: 16, maxCallsPerAnswer: 100, continueAsNewAtHistoryBytes: 10_000 });
      const result = (await handle.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', steps: 11, toolCalls: { ok: 1_000, failed: 0 } });
      // Every run of the chain started with a bounded input (unbounded, it grew ~229 KB a step and passed 2 MB).
      let largestInput = 0;
      let runs = 0;
      for await (const execution of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
        const events = await historyEvents(client.workflow.getHandle(handle.workflowId, execution.runId));
        const payloads = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
        largestInput = Math.max(largestInput, payloads.reduce((total, payload) => total + (payload.data?.length ?? 0), 0));
        runs += 1;
      }
      expect(runs).toBeGreaterThanOrEqual(10);
      // Under Temporal's 512 KB payload warning, let alone its 2 MB limit.
      expect(largestInput).toBeLessThan(524_288);
      saveFigure('run-size-carried-input', { runs, largestInputBytes: largestInput });
    });
  });

  it('an answer too large to record fails once, fast, with its own type, and counts the call', async () => {
    const testTools = createTestTools();
    const huge = { toolCalls: [{ name: 'sleep', arguments: { label: 'x'.repeat(5_000_000), ms: 0 } }] };
    await withAgent({ turns: [huge, FINAL] }, testTools.tools, async ({ run, model }) => {
      const startedAt = Date.now();
      const { handle, result } = await run({ goal: 'a giant answer' });
      expect(result.status).toBe('failed');
      expect(result.error?.type).toBe(ERROR_TYPES.modelAnswerTooLarge);
      expect(result.answer).toMatch(/bytes, more than the 1000000 bytes a run records/);
      expect(result.usage.modelCalls).toBe(1);
      expect(result.usage.outputTokens).toBeGreaterThan(1_000_000);
      expect(model.requests.filter((request) => request.status === 200)).toHaveLength(1);
      expect(testTools.handlerCalls.get('sleep')).toBeUndefined();
      saveFigure('run-size-answer-too-large', { wallMs: Date.now() - startedAt });
      await recordHistory(handle, 'agent-answer-too-large');
    });
  });

  it('100,000-deep arguments and repeated call ids become clear results', async () => {
    const testTools = createTestTools();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const script = {
      turns: [
        {
          toolCalls: [
            { name: 'sleep', rawArguments: deep },
            { id: 'same', name: 'sleep', arguments: { label: 'first', ms: 0 } },
            { id: 'same', name: 'sleep', arguments: { label: 'second', ms: 0 } },
          ],
        },
        FINAL,
      ],
    };
    await withAgent(script, testTools.tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'odd calls' });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 1 } });
      const messages = await toolMessagesByCallId(handle);
      expect(messages.size).toBe(3);
      const texts = [...messages.values()];
      expect(texts.some((text) => /ToolInputInvalid: .*nest deeper than 64 levels/.test(text))).toBe(true);
      expect(texts.filter((text) => text.includes('"label":"first"'))).toHaveLength(1);
      expect(texts.filter((text) => text.includes('"label":"second"'))).toHaveLength(1);
      expect(messages.has('same')).toBe(true);
      await recordHistory(handle, 'agent-odd-calls');
    });
  });
});
