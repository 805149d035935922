import type { AgentAction, ChatMessage, ToolCallAction } from './model';

/** Parses a tool call's raw argument string; a parse failure is kept as `inputError`, never thrown. */
export function parseToolCall(call: { id: string; name: string; arguments: string }): ToolCallAction {
  const raw = call.arguments.trim() === '' ? '{}' : call.arguments;
  try {
    return { type: 'tool_call', id: call.id, tool: call.name, input: JSON.parse(raw) as unknown };
  } catch (error) {
    const preview = raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
    return {
      type: 'tool_call',
      id: call.id,
      tool: call.name,
      input: undefined,
      inputError: `the arguments are not valid JSON (${(error as Error).message}): ${preview}`,
    };
  }
}

/**
 * Turns the model's answer into an action: no tool call is `Final`, one is a `ToolCall`,
 * several are a `Parallel` action. Pure, so the workflow can derive it during replay.
 */
export function actionFromMessage(message: ChatMessage): AgentAction {
  const calls = (message.toolCalls ?? []).map(parseToolCall);
  if (calls.length === 0) return { type: 'final', answer: message.content };
  if (calls.length === 1 && calls[0]) return calls[0];
  return { type: 'parallel', actions: calls };
}

/** The calls of an action, in the order the model gave them. */
export function callsOf(action: AgentAction): ToolCallAction[] {
  if (action.type === 'final') return [];
  return action.type === 'parallel' ? action.actions : [action];
}
