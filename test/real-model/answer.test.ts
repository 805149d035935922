import { modelStream } from '../../src/client/model-stream';
import type { AgentWorkflow } from '../../src/contracts/definitions';
import type { ModelStreamChunk } from '../../src/contracts/model-text';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { saveFigure } from '../helpers/figures';
import { startRealModelServer, type RealModelServer } from './helpers/llama-server';
import { realModelConfig, withRealAgent } from './helpers/real-agent';

/**
 * A run against a real model server (llama-cpp-python serving SmolLM2-135M over HTTP, the real `openai` client, the
 * real Temporal dev server). A 135 M model writes poor answers: these tests check the plumbing, not the wit.
 */
describe('real model: a run with no tools', () => {
  jest.setTimeout(300_000);
  let server: RealModelServer;

  beforeAll(async () => {
    server = await startRealModelServer();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  const goal = 'What is the capital of France? Answer in one short sentence.';

  it('unstreamed: ends final (the workflow COMPLETED) with a non-empty answer, and the tokens the server counted are recorded', async () => {
    await withRealAgent('real-answer', realModelConfig(server, { stream: false }), [], async ({ start }) => {
      const started = Date.now();
      const handle = await start({ goal, maxSteps: 3 });
      const result = (await handle.result()) as AgentRunResult;
      const description = await handle.describe();
      process.stdout.write(`real-model answer (unstreamed, ${Date.now() - started} ms): ${JSON.stringify(result.answer)} usage ${JSON.stringify(result.usage)}\n`);
      expect(description.status.name).toBe('COMPLETED');
      expect(result.status).toBe('final');
      expect(result.answer.trim().length).toBeGreaterThan(0);
      expect(result.usage.modelCalls).toBe(1);
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      expect(result.toolCalls).toEqual({ ok: 0, failed: 0 });
      saveFigure('real-model-answer', { stream: false, ms: Date.now() - started, usage: result.usage });
    });
  });

  it('streamed (the planner streams by default): ends final (the workflow COMPLETED) with a non-empty answer, and records the tokens the stream reported', async () => {
    await withRealAgent('real-answer-stream', realModelConfig(server), [], async ({ start, client }) => {
      const started = Date.now();
      const handle = await start({ goal, maxSteps: 3 });
      // A client follows the model's text as it writes (docs/streaming.md), from the server's pending model call.
      const chunks: ModelStreamChunk[] = [];
      const following = (async () => {
        for await (const chunk of modelStream(client.workflow.getHandle<AgentWorkflow>(handle.workflowId))) chunks.push(chunk);
      })();
      const result = (await handle.result()) as AgentRunResult;
      await following;
      const description = await handle.describe();
      let shown = '';
      for (const chunk of chunks) {
        if (chunk.type === 'reset') shown = '';
        if (chunk.type === 'text') shown += chunk.text;
      }
      expect(shown).toBe(result.answer);
      expect(chunks.at(-1)).toMatchObject({ type: 'done', step: 1 });
      process.stdout.write(`real-model answer (streamed, ${Date.now() - started} ms): ${JSON.stringify(result.answer)} usage ${JSON.stringify(result.usage)}\n`);
      expect(description.status.name).toBe('COMPLETED');
      expect(result.status).toBe('final');
      expect(result.answer.trim().length).toBeGreaterThan(0);
      expect(result.usage.modelCalls).toBe(1);
      // The planner asks for usage in the stream's last chunk (`stream_options.include_usage`); llama-cpp-python 0.3.36
      // ignores it, so the tokens are estimated (docs/providers.md) and budgets still move.
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      saveFigure('real-model-answer-stream', { stream: true, ms: Date.now() - started, usage: result.usage });
    });
  });
});
