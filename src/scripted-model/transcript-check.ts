/** The parts of a Chat Completions message the scripted model reads. */
export interface ChatMessage {
  role?: string;
  content?: unknown;
  tool_calls?: Array<{ id?: unknown }>;
  tool_call_id?: unknown;
}

/** Why the real API would refuse a transcript: an OpenAI-style `invalid_request_error`. */
export interface TranscriptProblem {
  message: string;
  param: string;
}

/** An assistant message with `tool_calls`, while the tool messages after it answer them. */
interface OpenCalls {
  index: number;
  ids: string[];
  answered: Set<string>;
}

function unansweredProblem(open: OpenCalls | undefined): TranscriptProblem | undefined {
  const missing = open?.ids.filter((id) => !open.answered.has(id)) ?? [];
  if (!open || missing.length === 0) return undefined;
  return {
    message:
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
      `The following tool_call_ids did not have response messages: ${missing.join(', ')}`,
    param: `messages.[${open.index}].role`,
  };
}

/**
 * Checks tool-call pairing as the real Chat Completions API does, so a transcript bug fails in tests as it
 * would in production: every `tool` message answers an id of the assistant message with `tool_calls` just
 * before it (only tool messages in between), each id once; and every id of such an assistant message is
 * answered before the next non-tool message (or the end of the conversation).
 */
export function transcriptProblem(messages: readonly ChatMessage[]): TranscriptProblem | undefined {
  let open: OpenCalls | undefined;
  for (const [index, message] of messages.entries()) {
    if (message.role === 'tool') {
      const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : '';
      if (!open) {
        return { message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", param: `messages.[${index}].role` };
      }
      if (!open.ids.includes(id)) {
        return { message: `Invalid parameter: 'tool_call_id' of '${id}' not found in 'tool_calls' of previous message.`, param: `messages.[${index}].tool_call_id` };
      }
      if (open.answered.has(id)) {
        return { message: `Invalid parameter: 'tool_call_id' of '${id}' was already answered by an earlier tool message.`, param: `messages.[${index}].tool_call_id` };
      }
      open.answered.add(id);
      continue;
    }
    const problem = unansweredProblem(open);
    if (problem) return problem;
    const calls = message.role === 'assistant' && Array.isArray(message.tool_calls) ? message.tool_calls : [];
    open = calls.length > 0 ? { index, ids: calls.map((call) => (typeof call?.id === 'string' ? call.id : '')), answered: new Set() } : undefined;
  }
  return unansweredProblem(open);
}
