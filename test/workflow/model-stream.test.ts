import { modelStream } from '../../src/client/model-stream';
import type { AgentWorkflow } from '../../src/contracts/definitions';
import type { ModelStreamChunk } from '../../src/contracts/model-text';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { withAgent } from '../helpers/agent';
import { createTestTools } from '../helpers/test-tools';
import { agentClientFor, rawClientFor, startAgentWorker, testKeys } from '../helpers/encryption';
import { uniqueTaskQueue } from '../helpers/temporal';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';

const LOOKING = 'Let me double that number first, and then I will tell you what I found out about it.';
const ANSWER = 'The number doubled is six. I checked it with the strict tool, which answered at once, and nothing else was needed to be sure of it.';

/** Reads a stream to its end, noting when each chunk came. */
async function collect(stream: AsyncGenerator<ModelStreamChunk>): Promise<Array<ModelStreamChunk & { at: number }>> {
  const chunks: Array<ModelStreamChunk & { at: number }> = [];
  for await (const chunk of stream) chunks.push({ ...chunk, at: Date.now() });
  return chunks;
}

/** The text a consumer shows for `step`: what came after the step's last reset. */
function shownText(chunks: readonly ModelStreamChunk[], step: number): string {
  let text = '';
  for (const chunk of chunks) {
    if (chunk.step !== step) continue;
    if (chunk.type === 'reset') text = '';
    if (chunk.type === 'text') text += chunk.text;
  }
  return text;
}

/**
 * Live model text (docs/streaming.md): the planner streams, heartbeats the text so far, and `modelStream` (the library's
 * `handle.stream()`) reads it from the run's pending model call. Real server, real worker, the scripted model streaming.
 */
describe('model text, streamed', () => {
  jest.setTimeout(90_000);

  it('reaches a client while the model writes, piece by piece, and ends with exactly the recorded answers', async () => {
    const testTools = createTestTools();
    const script = {
      turns: [
        { content: LOOKING, toolCalls: [{ name: 'strict', arguments: { count: 3 } }], chunkDelayMs: 40 },
        { content: ANSWER, chunkDelayMs: 40 },
      ],
    };
    await withAgent(script, testTools.tools, async ({ start, client }) => {
      const handle = await start({ goal: 'double three' });
      const streaming = collect(modelStream(client.workflow.getHandle<AgentWorkflow>(handle.workflowId)));
      const result = (await handle.result()) as AgentRunResult;
      const ended = Date.now();
      const chunks = await streaming;

      expect(result).toMatchObject({ status: 'final', answer: ANSWER });
      expect(shownText(chunks, 1)).toBe(LOOKING);
      expect(shownText(chunks, 2)).toBe(ANSWER);
      // Live: in many pieces, the first long before the run ended (the answer takes ~1.5 s to write).
      const texts = chunks.filter((chunk) => chunk.type === 'text' && chunk.step === 2);
      expect(texts.length).toBeGreaterThanOrEqual(4);
      expect(texts[0]!.at).toBeLessThan(ended - 500);
      expect(chunks.filter((chunk) => chunk.type === 'reset')).toEqual([]);
      expect(chunks.find((chunk) => chunk.type === 'calls')).toMatchObject({ step: 1, names: ['strict'] });
      // Each call ends with `done`, after all its text.
      const done = chunks.filter((chunk) => chunk.type === 'done').map((chunk) => chunk.step);
      expect(done).toEqual([1, 2]);
      expect(chunks.at(-1)).toMatchObject({ type: 'done', step: 2 });
    });
  });

  it('marks a retried call with a reset and its attempt, and never mixes the attempts\' text', async () => {
    const script = { turns: [{ cutAfterChunks: 12 }, { content: ANSWER, chunkDelayMs: 40 }] };
    await withAgent(script, [], async ({ start, client, model }) => {
      const handle = await start({ goal: 'answer' });
      const chunks = await collect(modelStream(client.workflow.getHandle<AgentWorkflow>(handle.workflowId)));
      const result = (await handle.result()) as AgentRunResult;

      expect(result).toMatchObject({ status: 'final', answer: ANSWER });
      expect(model.requests.map((request) => request.status)).toEqual([0, 200]);
      const reset = chunks.findIndex((chunk) => chunk.type === 'reset');
      expect(chunks[reset]).toMatchObject({ type: 'reset', step: 1, attempt: 2 });
      // The first attempt's text came (and is marked as attempt 1) before the reset; only attempt 2's after it.
      const before = chunks.slice(0, reset).filter((chunk) => chunk.type === 'text');
      expect(before.length).toBeGreaterThan(0);
      expect(before.every((chunk) => chunk.attempt === 1)).toBe(true);
      const after = chunks.slice(reset + 1).filter((chunk) => chunk.type === 'text');
      expect(after.every((chunk) => chunk.attempt === 2)).toBe(true);
      expect(after.map((chunk) => (chunk.type === 'text' ? chunk.text : '')).join('')).toBe(ANSWER);
    });
  });

  it('gives a client that comes late the text so far, then the rest, once', async () => {
    const long = `${ANSWER} ${ANSWER} ${ANSWER}`;
    await withAgent({ turns: [{ content: long, chunkDelayMs: 30 }] }, [], async ({ start, client }) => {
      const handle = await start({ goal: 'answer at length' });
      const typed = client.workflow.getHandle<AgentWorkflow>(handle.workflowId);
      const early = collect(modelStream(typed));
      // Join once the model has written a good part of it.
      let seen = '';
      for await (const chunk of modelStream(typed)) {
        if (chunk.type === 'text') seen += chunk.text;
        if (seen.length > 60) break;
      }
      const late = await collect(modelStream(typed));
      const result = (await handle.result()) as AgentRunResult;

      expect(result.answer).toBe(long);
      const first = late.find((chunk) => chunk.type === 'text');
      // The late client's first piece is the text so far: many tokens at once, from the start of the answer.
      expect(first?.type === 'text' && first.text.length).toBeGreaterThan(60);
      expect(long.startsWith(first?.type === 'text' ? first.text : 'x')).toBe(true);
      expect(shownText(late, 1)).toBe(long);
      expect(shownText(await early, 1)).toBe(long);
      expect(late.filter((chunk) => chunk.type === 'gap')).toEqual([]);
    });
  });

  it('shows nothing and ends at once for a run that has ended', async () => {
    await withAgent({ turns: [{ content: ANSWER }] }, [], async ({ run, client }) => {
      const { handle } = await run({ goal: 'answer' });
      const chunks = await collect(modelStream(client.workflow.getHandle<AgentWorkflow>(handle.workflowId)));
      expect(chunks).toEqual([]);
    });
  });
});

describe('model text, streamed, of an encrypted run', () => {
  jest.setTimeout(90_000);

  it('reaches a client with the key through handle.stream(), and is never in clear on the server', async () => {
    const address = process.env.DURABLE_AGENT_TEST_ADDRESS!;
    const keys = testKeys('test-k1');
    const model = await startScriptedModel(compileScript({ turns: [{ content: ANSWER, chunkDelayMs: 40 }] }));
    const taskQueue = uniqueTaskQueue('stream-encrypted');
    const worker = await startAgentWorker({ address, keys, taskQueue, model });
    try {
      const agents = await agentClientFor(address, keys);
      const raw = await rawClientFor(address);
      const handle = await agents.start({ goal: 'answer privately' }, { taskQueue });
      const streaming = collect(handle.stream());
      // What anyone who reaches the server without the key sees of the model call under way: no text in clear.
      const seen: string[] = [];
      while ((await handle.describe()).executionStatus === 'RUNNING') {
        // The service call itself: a handle's describe would try to decode the (encrypted) memo and fail.
        const description = await raw.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: handle.workflowId } });
        for (const activity of description.pendingActivities ?? []) {
          for (const payload of activity.heartbeatDetails?.payloads ?? []) seen.push(Buffer.from(payload.data ?? new Uint8Array()).toString('latin1'));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const chunks = await streaming;
      expect(shownText(chunks, 1)).toBe(ANSWER);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((data) => data.includes('The number doubled'))).toEqual([]);
      await raw.connection.close();
      await agents.close();
    } finally {
      await worker.stop();
      await model.close();
    }
  });
});
