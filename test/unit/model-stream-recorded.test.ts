import type { WorkflowHandle } from '@temporalio/client';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import type { AgentWorkflow } from '../../src/contracts/definitions';
import type { ModelStreamChunk, ModelTextDetails } from '../../src/contracts/model-text';
import { modelStream } from '../../src/client/model-stream';

const converter = loadDataConverter();

/** A `describe()` answer: the run running, with a pending `plan` activity heartbeating `details` when given. */
function described(details?: ModelTextDetails) {
  const heartbeat = details ? { payloads: [converter.payloadConverter.toPayload(details)] } : undefined;
  return {
    runId: 'run',
    status: { name: 'RUNNING' },
    raw: { pendingActivities: details ? [{ activityId: '7', activityType: { name: 'plan' }, attempt: 1, heartbeatDetails: heartbeat }] : [] },
  };
}

/**
 * A handle whose run shows a call's text, then no pending call while the run has not yet recorded the answer (its
 * workflow task still to run) for `unrecordedReads` reads of `lastAnswer`, then the answer.
 */
function handleOf(unrecordedReads: number): { handle: WorkflowHandle<AgentWorkflow>; queries: () => number } {
  const descriptions = [described({ kind: 'model_text', step: 2, attempt: 1, offset: 0, text: 'The answer ' }), described()];
  let describes = 0;
  let queries = 0;
  const handle = {
    client: { options: { loadedDataConverter: converter } },
    describe: async () => descriptions[Math.min(describes++, descriptions.length - 1)],
    query: async () => (++queries <= unrecordedReads ? { step: 1, content: 'the previous step' } : { step: 2, content: 'The answer is 42.', calls: [] }),
  } as unknown as WorkflowHandle<AgentWorkflow>;
  return { handle, queries: () => queries };
}

/** The end of a call in `modelStream` (src/client/model-stream.ts): the text after its last heartbeat, from the recorded answer. */
describe('modelStream: the rest of a finished call', () => {
  const collect = async (handle: WorkflowHandle<AgentWorkflow>) => {
    const stop = new AbortController();
    const chunks: ModelStreamChunk[] = [];
    for await (const chunk of modelStream(handle, { signal: stop.signal, intervalMs: 1, idleIntervalMs: 1 })) {
      chunks.push(chunk);
      if (chunk.type === 'done') stop.abort();
    }
    return chunks;
  };

  it('waits for the run to record the answer of a call whose activity has completed, and gives its last words', async () => {
    const { handle, queries } = handleOf(3);
    const chunks = await collect(handle);
    expect(chunks.filter((chunk) => chunk.type === 'text').map((chunk) => (chunk as { text: string }).text).join('')).toBe('The answer is 42.');
    expect(chunks.at(-1)).toEqual({ type: 'done', step: 2, attempt: 1 });
    expect(queries()).toBe(4);
  });

  it('gives up after a bounded number of reads and still ends the call', async () => {
    const { handle, queries } = handleOf(1_000);
    const chunks = await collect(handle);
    expect(chunks.map((chunk) => chunk.type)).toEqual(['text', 'done']);
    expect(queries()).toBe(10);
  });
});
