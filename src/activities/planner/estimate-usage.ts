import type { ChatMessage } from '../../contracts/chat-message';
import type { ToolSpec } from '../../contracts/tool-spec';

/** Characters per token of the estimate: the usual rule of thumb for English text and JSON with OpenAI's tokenizers. */
const CHARS_PER_TOKEN = 4;

/**
 * Tokens of a model call whose server reported no usage (llama-cpp-python's server and LM Studio send none in streams;
 * docs/providers.md): estimated from characters, so that token budgets and costs still move. An estimate, not a
 * count: a budget may trip a little early or late on such a server.
 */
export function estimateUsage(
  messages: readonly ChatMessage[],
  tools: readonly ToolSpec[],
  answer: { content: string; calls: ReadonlyArray<{ name: string; arguments: string }> },
): { inputTokens: number; outputTokens: number } {
  let input = JSON.stringify(tools).length;
  for (const message of messages) {
    input += message.content.length;
    for (const call of message.toolCalls ?? []) input += call.name.length + call.arguments.length;
  }
  let output = answer.content.length;
  for (const call of answer.calls) output += call.name.length + call.arguments.length;
  return { inputTokens: Math.ceil(input / CHARS_PER_TOKEN), outputTokens: Math.ceil(output / CHARS_PER_TOKEN) };
}
