import { z } from 'zod';

/**
 * Ways real OpenAI-compatible servers shape an answer differently from the OpenAI API (docs/providers.md), played per
 * turn by the scripted model (`"quirks": [...]`, docs/scripted-model.md "Provider quirks"). Each changes the form of
 * the answer, never what it says.
 */
export const QUIRKS = [
  /** Tool-call arguments as a JSON object, not its text; streamed, each call whole in one delta (Ollama's native form). */
  'objectArguments',
  /** Tool calls without an `id`. */
  'noIds',
  /** Streamed: tool-call deltas without `index`. */
  'noIndex',
  /** Streamed: every tool call's deltas with `index: 0` (reported of Ollama with several calls). */
  'sameIndex',
  /** Streamed: the id, type and name repeated in every tool-call delta, not only the first. */
  'repeatName',
  /** Azure OpenAI: a first chunk with empty `choices` and `prompt_filter_results`; `content_filter_results` in choices. */
  'azureFilters',
  /** Streamed: no chunk with the `role`. */
  'noRole',
  /** `reasoning_content` (DeepSeek, vLLM's reasoning parsers, llama.cpp): streamed before the content, or in the message. */
  'reasoningContent',
  /** No usage at all, even when `stream_options.include_usage` asks for it. */
  'noUsage',
  /** Streamed: the usage in the chunk with the finish reason (whether asked or not), no chunk of its own. */
  'usageInFinishChunk',
  /** No `finish_reason` (null); streamed, the answer simply ends with `[DONE]`. */
  'noFinishReason',
  /** Streamed: SSE comment lines (`: OPENROUTER PROCESSING`) before and between the chunks. */
  'sseComments',
] as const;

export type Quirk = (typeof QUIRKS)[number];
export const QuirkSchema = z.enum(QUIRKS);

/** The reasoning the `reasoningContent` quirk sends: never part of the answer. */
export const SCRIPTED_REASONING = 'Scripted reasoning, not the answer: the user asked something; think first, then answer.';

/** The comment line `sseComments` sends (OpenRouter's keep-alive). */
export const SSE_COMMENT = ': OPENROUTER PROCESSING';

/** A whole (unstreamed) completion as `completionFor` builds it. */
interface WholeCompletion {
  choices: Array<{ finish_reason: string | null; message: { tool_calls?: Array<{ id?: string; function: { arguments: unknown } }> } & Record<string, unknown> } & Record<string, unknown>>;
  usage?: unknown;
}

function asObject(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : text;
  } catch {
    return text;
  }
}

const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } } }];
const CONTENT_FILTER_RESULTS = { hate: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } };

/** An unstreamed answer in the quirks' shape (the stream-only quirks change nothing here). */
export function quirkyCompletion<T extends WholeCompletion>(completion: T, quirks: readonly Quirk[]): T {
  if (quirks.length === 0) return completion;
  const has = (quirk: Quirk) => quirks.includes(quirk);
  const copy = structuredClone(completion);
  for (const choice of copy.choices) {
    for (const call of choice.message.tool_calls ?? []) {
      if (has('objectArguments')) call.function.arguments = asObject(call.function.arguments);
      if (has('noIds')) delete call.id;
    }
    if (has('reasoningContent')) choice.message.reasoning_content = SCRIPTED_REASONING;
    if (has('noFinishReason')) choice.finish_reason = null;
    if (has('azureFilters')) choice.content_filter_results = CONTENT_FILTER_RESULTS;
  }
  if (has('noUsage')) delete copy.usage;
  if (has('azureFilters')) Object.assign(copy, { prompt_filter_results: PROMPT_FILTER_RESULTS });
  return copy;
}

/** Azure's first streamed chunk: no choices, only the prompt's filter results. */
export function azurePromptFilterChunk(): unknown {
  return { id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: PROMPT_FILTER_RESULTS };
}

/** What `azureFilters` adds to every streamed choice. */
export function choiceExtras(quirks: readonly Quirk[]): Record<string, unknown> {
  return quirks.includes('azureFilters') ? { content_filter_results: CONTENT_FILTER_RESULTS } : {};
}

/**
 * The deltas of one streamed tool call: its `index`, `id`, `type` and name first, then `argumentPieces`, keyed by
 * `index` (OpenAI's form), reshaped by the quirks.
 */
export function toolCallDeltas(call: { id: string; type: string; function: { name: string; arguments: string } }, index: number, argumentPieces: readonly string[], quirks: readonly Quirk[]): unknown[] {
  const has = (quirk: Quirk) => quirks.includes(quirk);
  const head = { id: call.id, type: call.type };
  const deltas: Array<Record<string, unknown>> = has('objectArguments')
    ? [{ index, ...head, function: { name: call.function.name, arguments: asObject(call.function.arguments) } }]
    : [
        { index, ...head, function: { name: call.function.name, arguments: '' } },
        ...argumentPieces.map((part) => (has('repeatName') ? { index, ...head, function: { name: call.function.name, arguments: part } } : { index, function: { arguments: part } })),
      ];
  for (const delta of deltas) {
    if (has('noIndex')) delete delta.index;
    else if (has('sameIndex')) delta.index = 0;
    if (has('noIds')) delete delta.id;
  }
  return deltas;
}

/** The final chunks: the finish reason, then the usage, as the quirks place them (or leave them out). */
export function closingChunks(frame: (delta: unknown, finishReason: string | null) => Record<string, unknown>, finishReason: string, usage: unknown, includeUsage: boolean, quirks: readonly Quirk[]): unknown[] {
  const has = (quirk: Quirk) => quirks.includes(quirk);
  const finish = has('noFinishReason') ? null : finishReason;
  if (has('usageInFinishChunk') && !has('noUsage')) return [{ ...frame({}, finish), usage }];
  const chunks: unknown[] = finish === null ? [] : [frame({}, finish)];
  if (includeUsage && !has('noUsage')) {
    const { choices: _choices, ...rest } = frame({}, null);
    chunks.push({ ...rest, choices: [], usage });
  }
  return chunks;
}

/** The parameters a request carries that the script says the server rejects, first one first. */
export function rejectedParam(request: Record<string, unknown>, rejectParams: readonly string[]): string | undefined {
  return rejectParams.find((param) => request[param] !== undefined);
}

/** The 400 OpenAI sends for a parameter a model does not take (`invalid_request_error`, `param` naming it). */
export function unsupportedParamError(param: string): unknown {
  return { error: { message: `Unsupported parameter: '${param}' is not supported with this model.`, type: 'invalid_request_error', param, code: 'unsupported_parameter' } };
}
