import type { ScriptTurn } from '../../src/scripted-model/script';
import { SCRIPTED_REASONING, type Quirk } from '../../src/scripted-model/quirks';
import { withAgent } from '../helpers/agent';
import { createTestTools } from '../helpers/test-tools';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** An answer asking for `strict` twice (2 and 3), in the shape of `quirks`. */
function twoCalls(quirks: Quirk[], extra: Partial<ScriptTurn> = {}): ScriptTurn {
  return { toolCalls: [{ name: 'strict', arguments: { count: 2 } }, { name: 'strict', arguments: { count: 3 } }], quirks, ...extra };
}

/** Runs `turns` with the streaming planner and checks the run got both calls right, with no retried model call. */
async function expectBothCalls(turns: ScriptTurn[]): Promise<void> {
  const testTools = createTestTools();
  await withAgent({ turns }, testTools.tools, async ({ run, model }) => {
    const { result } = await run({ goal: 'double two and three' });
    expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 0 } });
    expect(result.answer).toContain('"doubled":4');
    expect(result.answer).toContain('"doubled":6');
    expect(model.requests.map((request) => request.status)).toEqual(turns.map(() => 200));
    expect(model.requests[0]?.params).toEqual(expect.arrayContaining(['stream', 'stream_options']));
  });
}

/**
 * Streamed answers as real OpenAI-compatible servers shape them (docs/providers.md, the compatibility table), played
 * by the scripted model's `quirks` through a real worker and the streaming planner: each is taken as the model meant it.
 */
describe('provider quirks, streamed', () => {
  jest.setTimeout(60_000);

  it('objectArguments: each call whole in one delta, its arguments a JSON object (Ollama-style)', async () => {
    await expectBothCalls([twoCalls(['objectArguments']), FINAL]);
  });

  it('noIndex: tool-call deltas without an index', async () => {
    await expectBothCalls([twoCalls(['noIndex']), FINAL]);
  });

  it('sameIndex: every call streamed under index 0 (reported of Ollama), told apart by their ids', async () => {
    await expectBothCalls([twoCalls(['sameIndex']), FINAL]);
  });

  it('repeatName: the id and name repeated in every delta', async () => {
    await expectBothCalls([twoCalls(['repeatName', 'noIndex']), FINAL]);
  });

  it('noIds and repeated ids: calls streamed without ids, then two calls with the same id', async () => {
    const testTools = createTestTools();
    const repeated: ScriptTurn = { toolCalls: [{ name: 'strict', id: 'same', arguments: { count: 4 } }, { name: 'strict', id: 'same', arguments: { count: 5 } }] };
    await withAgent({ turns: [twoCalls(['noIds']), repeated, FINAL] }, testTools.tools, async ({ run }) => {
      const { result } = await run({ goal: 'double four numbers' });
      // Four calls ran: the two without ids were not merged into one, the two with one id were both kept.
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 4, failed: 0 } });
      expect(result.answer).toContain('"doubled":8');
      expect(result.answer).toContain('"doubled":10');
    });
  });

  it('azureFilters and noRole: a first chunk with empty choices and prompt_filter_results, no role (Azure OpenAI)', async () => {
    await expectBothCalls([twoCalls(['azureFilters', 'noRole']), { ...FINAL, quirks: ['azureFilters', 'noRole'] }]);
  });

  it('reasoningContent: reasoning_content deltas before the content are not the answer (DeepSeek, vLLM, llama.cpp)', async () => {
    const testTools = createTestTools();
    const turns: ScriptTurn[] = [twoCalls(['reasoningContent']), { content: 'The doubles are 4 and 6.', quirks: ['reasoningContent'] }];
    await withAgent({ turns }, testTools.tools, async ({ run }) => {
      const { result } = await run({ goal: 'double two and three' });
      expect(result).toMatchObject({ status: 'final', answer: 'The doubles are 4 and 6.', toolCalls: { ok: 2, failed: 0 } });
      expect(JSON.stringify(result)).not.toContain(SCRIPTED_REASONING);
    });
  });

  it('noUsage: no usage chunk although stream_options.include_usage asked for one: the tokens are estimated', async () => {
    await withAgent({ turns: [{ content: 'No usage here.', quirks: ['noUsage'] }] }, [], async ({ run, model }) => {
      const { result } = await run({ goal: 'answer' });
      expect(result).toMatchObject({ status: 'final', answer: 'No usage here.' });
      // About 4 characters a token: 'No usage here.' is 14 characters.
      expect(result.usage.outputTokens).toBe(4);
      expect(result.usage.inputTokens).toBeGreaterThan(10);
      expect(model.requests[0]?.params).toContain('stream_options');
    });
  });

  it('usageInFinishChunk: the usage in the chunk with the finish reason (llama.cpp-style) is counted', async () => {
    await withAgent({ turns: [{ content: 'Usage with the finish.', quirks: ['usageInFinishChunk'] }] }, [], async ({ run }) => {
      const { result } = await run({ goal: 'answer' });
      expect(result).toMatchObject({ status: 'final', answer: 'Usage with the finish.' });
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
    });
  });

  it('noFinishReason: a stream that ends with [DONE] and no finish reason is whole; one cut without [DONE] is retried', async () => {
    const testTools = createTestTools();
    const turns: ScriptTurn[] = [twoCalls(['noFinishReason']), { cutAfterChunks: 3 }, { content: 'Finished, with no finish reason.', quirks: ['noFinishReason'] }];
    await withAgent({ turns }, testTools.tools, async ({ run, model }) => {
      const { result } = await run({ goal: 'double two and three' });
      expect(result).toMatchObject({ status: 'final', answer: 'Finished, with no finish reason.', toolCalls: { ok: 2, failed: 0 } });
      // Turn 1 once; turn 2 cut once (status 0) and asked again.
      expect(model.requests.map((request) => request.status)).toEqual([200, 0, 200]);
    });
  });

  it('unusual finish reasons: function_call on a tool-call answer, eos_token on the final text', async () => {
    await expectBothCalls([twoCalls([], { finishReason: 'function_call' }), { ...FINAL, finishReason: 'eos_token' }]);
  });

  it('sseComments: SSE comment lines between the chunks (OpenRouter) are skipped', async () => {
    await expectBothCalls([twoCalls(['sseComments']), { ...FINAL, quirks: ['sseComments'] }]);
  });
});
