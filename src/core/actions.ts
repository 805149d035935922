import type { DroppedCalls } from '../contracts/planner-io';
import type { AgentAction, ToolCallAction } from './model';
import type { ChatMessage } from '../contracts/chat-message';
import { clipInput } from './quote-input';

type RawToolCall = { id: string; name: string; arguments: string };

/**
 * The shape of a JSON text, read outside strings in one iterative pass (so any depth is measured safely): the
 * deepest nesting of `[`/`{`, and how many structural characters (`[ ] { } , :`) it has.
 */
export function jsonShape(text: string): { depth: number; structural: number } {
  let depth = 0;
  let deepest = 0;
  let structural = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
      continue;
    }
    if (character === '"') inString = true;
    else if (character === '[' || character === '{') {
      depth += 1;
      structural += 1;
      if (depth > deepest) deepest = depth;
    } else if (character === ']' || character === '}') {
      depth -= 1;
      structural += 1;
    } else if (character === ',' || character === ':') structural += 1;
  }
  return { depth: deepest, structural };
}

/** Deepest nesting of `[`/`{` in a JSON text, outside strings. */
export function jsonDepth(text: string): number {
  return jsonShape(text).depth;
}

/**
 * Parses a tool call's raw argument string; a parse failure is kept as `inputError`, never thrown.
 * With `maxDepth`, arguments nested deeper are refused before parsing: a value that deep cannot be
 * serialized into an activity payload.
 */
export function parseToolCall(call: RawToolCall, maxDepth?: number): ToolCallAction {
  const raw = call.arguments.trim() === '' ? '{}' : call.arguments;
  if (maxDepth !== undefined && jsonDepth(raw) > maxDepth) {
    return {
      type: 'tool_call',
      id: call.id,
      tool: call.name,
      input: undefined,
      inputError: `the arguments nest deeper than ${maxDepth} levels of arrays and objects; send a flatter value`,
    };
  }
  try {
    return { type: 'tool_call', id: call.id, tool: call.name, input: JSON.parse(raw) as unknown };
  } catch (error) {
    return {
      type: 'tool_call',
      id: call.id,
      tool: call.name,
      input: undefined,
      inputError: `the arguments are not valid JSON (${clipInput((error as Error).message, 200)}): ${clipInput(raw)}`,
    };
  }
}

/**
 * Turns the model's answer into an action: no tool call is `Final`, one is a `ToolCall`,
 * several are a `Parallel` action. Pure, so the workflow can derive it during replay. It parses the arguments
 * (and bounds their depth); it neither cuts the calls (the planner did) nor checks them against a schema (the
 * workflow does that once per call when it prepares the call's task).
 */
export function actionFromMessage(message: ChatMessage, options: { maxDepth?: number } = {}): AgentAction {
  const calls = (message.toolCalls ?? []).map((call) => parseToolCall(call, options.maxDepth));
  if (calls.length === 0) return { type: 'final', answer: message.content };
  if (calls.length === 1 && calls[0]) return calls[0];
  return { type: 'parallel', actions: calls };
}

/** The calls of an action, in the order the model gave them (nested `Parallel` actions flattened depth-first). */
export function callsOf(action: AgentAction): ToolCallAction[] {
  if (action.type === 'final') return [];
  if (action.type === 'tool_call') return [action];
  return action.actions.flatMap((inner) => callsOf(inner));
}

/**
 * Makes an answer's tool calls safe to run and to pair with their results: keeps the first `maxCalls`
 * (the rest are reported as dropped), and gives every kept call a unique, non-empty id (a model that
 * repeats an id would otherwise get one result for two calls). Pure and idempotent. The planner applies it once,
 * to the model's answer, before the answer is recorded; the workflow records the cut answer as it is.
 */
export function limitToolCalls(calls: readonly RawToolCall[], maxCalls: number): { calls: RawToolCall[]; dropped?: DroppedCalls } {
  const kept = calls.slice(0, maxCalls);
  const seen = new Set<string>();
  const unique = kept.map((call, index) => {
    let id = call.id.trim() === '' ? `call_${index + 1}` : call.id;
    for (let suffix = 2; seen.has(id); suffix += 1) id = `${call.id || 'call'}_${suffix}`;
    seen.add(id);
    return id === call.id ? call : { ...call, id };
  });
  if (calls.length <= maxCalls) return { calls: unique };
  const tools = [...new Set(calls.slice(maxCalls).map((call) => clipInput(call.name)))].slice(0, 20);
  return { calls: unique, dropped: { count: calls.length - maxCalls, tools } };
}
