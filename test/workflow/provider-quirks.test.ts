import { withAgent } from '../helpers/agent';
import { createTestTools } from '../helpers/test-tools';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** A chat completion as some OpenAI-compatible server sends it: one message, and whatever else `extra` adds. */
function completion(message: Record<string, unknown>, extra: Record<string, unknown> = {}): { rawResponse: unknown } {
  return { rawResponse: { id: 'chatcmpl-quirk', object: 'chat.completion', created: 0, model: 'quirky', choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, ...message } }], ...extra } };
}
const call = (fn: Record<string, unknown>, id?: string) => ({ ...(id !== undefined ? { id } : {}), type: 'function', function: fn });

/**
 * Answers OpenAI-compatible servers give that the OpenAI API does not (docs/providers.md): the run takes each as the
 * model meant it, instead of failing with ModelMalformedOutput.
 */
describe('provider quirks', () => {
  jest.setTimeout(60_000);

  it('takes tool-call arguments sent as a JSON object instead of its text', async () => {
    const testTools = createTestTools();
    const quirk = completion({ tool_calls: [call({ name: 'strict', arguments: { count: 3 } }, 'c1')] }, { usage: { prompt_tokens: 5, completion_tokens: 5 } });
    await withAgent({ turns: [quirk, FINAL] }, testTools.tools, async ({ run }) => {
      const { result } = await run({ goal: 'double three' });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      expect(result.answer).toContain('"doubled":6');
    });
  });

  it('runs calls with missing or repeated ids, and an answer without usage or with an unusual finish reason', async () => {
    const testTools = createTestTools();
    const missingIds = completion({ tool_calls: [call({ name: 'strict', arguments: '{"count":1}' }), call({ name: 'strict', arguments: '{"count":2}' })] });
    const repeatedIds = completion({ tool_calls: [call({ name: 'strict', arguments: '{"count":4}' }, 'same'), call({ name: 'strict', arguments: '{"count":5}' }, 'same')] });
    const oddFinish = { rawResponse: { choices: [{ index: 0, finish_reason: 'eos_token', message: { role: 'assistant', content: 'All done.' } }] } };
    await withAgent({ turns: [missingIds, repeatedIds, oddFinish] }, testTools.tools, async ({ run }) => {
      const { result } = await run({ goal: 'double four numbers' });
      expect(result).toMatchObject({ status: 'final', answer: 'All done.', toolCalls: { ok: 4, failed: 0 } });
      // No usage in any answer: estimated from characters, so budgets still move.
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
    });
  });
});
