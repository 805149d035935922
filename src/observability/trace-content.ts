import type { Attributes } from '@opentelemetry/api';
import type { ChatMessage } from '../contracts/chat-message';
import { ConfigurationError } from '../config/parse-environment';
import { boundText } from '../core/summarize';

/**
 * Whether the GenAI spans carry content: prompts, answers, tool arguments and results (docs/observability.md,
 * "Traces"). Off unless the worker's environment asks with the OpenTelemetry GenAI instrumentations' own variable, and
 * always off in a process whose worker encrypts payloads: a span goes to the trace backend in plain text, past the codec.
 */
export const CAPTURE_CONTENT_VARIABLE = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

/** Largest content attribute, in bytes of UTF-8: a long transcript or a large tool output is cut to its head and tail. */
export const MAX_CONTENT_ATTRIBUTE_BYTES = 16 * 1024;

/** Room kept for the `[… N bytes omitted …]` marker, which `boundText` does not count. */
const MARKER_ROOM = 64;

/** Strings are never cut below this many bytes while a structure is shrunk; past it, the JSON text itself is cut. */
const MIN_STRING_BYTES = 256;

/** What a worker decided at start: capture or not, and the warning to print once when it refused. */
export interface ContentCaptureDecision {
  capture: boolean;
  warning?: string;
}

/**
 * The decision from the environment and whether the worker encrypts payloads. Unset or blank is `false`; anything but
 * `true` or `false` (any case) is a `ConfigurationError`, before the worker starts.
 */
export function contentCaptureDecision(env: NodeJS.ProcessEnv, encrypted: boolean): ContentCaptureDecision {
  const raw = env[CAPTURE_CONTENT_VARIABLE]?.trim() ?? '';
  const value = raw.toLowerCase();
  if (value !== '' && value !== 'true' && value !== 'false') {
    throw new ConfigurationError(`Expected \`${CAPTURE_CONTENT_VARIABLE}\` to be \`true\` or \`false\` (unset: false), got \`${raw}\``);
  }
  if (value !== 'true') return { capture: false };
  if (!encrypted) return { capture: true };
  return {
    capture: false,
    warning:
      `Warning: ${CAPTURE_CONTENT_VARIABLE}=true is ignored, so no prompt, answer, tool argument or result is put on spans: this ` +
      'worker encrypts payloads, and span attributes reach the trace backend unencrypted. Read content through a client with the ' +
      'key or the codec server (docs/codec-server.md); unset the variable to silence this warning.',
  };
}

/**
 * A process's decision, set by the worker start code (`createWorker`) before it serves activities, so no activity reads
 * the environment. Off wins: once a worker of the process encrypts, content stays off for the process (the spans of
 * every worker there share one exporter). The warning is given once.
 */
export class ContentCapture {
  #capturing = false;
  #encrypted = false;
  #warned = false;

  /** Takes a worker's decision; returns the warning to print, only the first time there is one. */
  configure(env: NodeJS.ProcessEnv, encrypted: boolean): string | undefined {
    const decision = contentCaptureDecision(env, encrypted);
    this.#encrypted ||= encrypted;
    this.#capturing = decision.capture && !this.#encrypted;
    if (!decision.warning || this.#warned) return undefined;
    this.#warned = true;
    return decision.warning;
  }

  get capturing(): boolean {
    return this.#capturing;
  }
}

const processCapture = new ContentCapture();

/** Sets this process's decision from a starting worker's environment and encryption (see {@link ContentCapture}). */
export function configureContentCapture(env: NodeJS.ProcessEnv, encrypted: boolean): string | undefined {
  return processCapture.configure(env, encrypted);
}

/** Whether this process's GenAI spans carry content. */
export function capturesContent(): boolean {
  return processCapture.capturing;
}

// ── The conventions' message shapes (gen-ai-input-messages.json, gen-ai-output-messages.json) ─────────────────────

type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: unknown }
  | { type: 'tool_call_response'; id: string; response: string };

interface GenAiMessage {
  role: ChatMessage['role'];
  parts: MessagePart[];
}

/** Arguments as the model wrote them: parsed when they are JSON, else the text itself. */
function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function partsOf(message: ChatMessage): MessagePart[] {
  if (message.role === 'tool') return [{ type: 'tool_call_response', id: message.toolCallId ?? '', response: message.content }];
  const calls = (message.toolCalls ?? []).map((call): MessagePart => ({ type: 'tool_call', id: call.id, name: call.name, arguments: parsedArguments(call.arguments) }));
  return [...(message.content !== '' || calls.length === 0 ? [{ type: 'text' as const, content: message.content }] : []), ...calls];
}

/** The conventions' finish reasons; OpenAI's `tool_calls` is their `tool_call`. */
function finishReasonOf(reason: string | null | undefined, calls: number): string {
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool_call';
  return reason || (calls > 0 ? 'tool_call' : 'stop');
}

/**
 * The prompt's attributes: the run's system prompt (the transcript's first message, when it is a system message) as
 * `gen_ai.system_instructions`, and the rest of the transcript, in order, as `gen_ai.input.messages`.
 */
export function inputContentAttributes(messages: readonly ChatMessage[]): Attributes {
  const [first, ...rest] = messages;
  const system = first?.role === 'system' ? first : undefined;
  const history = system ? rest : messages;
  return {
    ...(system ? { 'gen_ai.system_instructions': boundedJson([{ type: 'text', content: system.content }]) } : {}),
    'gen_ai.input.messages': boundedJson(history.map((message): GenAiMessage => ({ role: message.role, parts: partsOf(message) }))),
  };
}

/** The answer's attribute: one assistant message, its text and tool calls as parts, with its finish reason. */
export function outputContentAttributes(answer: ChatMessage, finishReason: string | null | undefined): Attributes {
  const message = { role: 'assistant', parts: partsOf(answer), finish_reason: finishReasonOf(finishReason, answer.toolCalls?.length ?? 0) };
  return { 'gen_ai.output.messages': boundedJson([message]) };
}

/** A tool call's arguments, as JSON. */
export function toolArgumentsAttributes(input: unknown): Attributes {
  return { 'gen_ai.tool.call.arguments': boundedJson(input) };
}

/** A tool call's result: a string as it is, anything else as JSON (what the model is shown). */
export function toolResultAttributes(output: unknown): Attributes {
  return { 'gen_ai.tool.call.result': typeof output === 'string' ? boundedText(output) : boundedJson(output) };
}

// ── Bounds ───────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * `text` cut to `maxBytes` of UTF-8: its head and tail with a `[… N bytes omitted …]` marker between them. Only the
 * ends can survive, so they are sliced out first: a 5 MB output is never walked character by character.
 */
export function boundedText(text: string, maxBytes: number = MAX_CONTENT_ATTRIBUTE_BYTES): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const ends = text.length > 2 * maxBytes ? `${text.slice(0, maxBytes)}${text.slice(-maxBytes)}` : text;
  return boundText(ends, Math.max(0, maxBytes - MARKER_ROOM), bytes).preview;
}

/** `value` as JSON (`null` for nothing); a value JSON cannot hold (a cycle, a BigInt) says so instead. */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    return `[not serializable as JSON: ${(error as Error).message}]`;
  }
}

/** Every string of `value` longer than `maxBytes` cut with its marker; the structure is kept. */
function cutStrings(value: unknown, maxBytes: number): unknown {
  if (typeof value === 'string') return boundedText(value, maxBytes);
  if (Array.isArray(value)) return value.map((item) => cutStrings(item, maxBytes));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cutStrings(item, maxBytes)]));
  return value;
}

/**
 * `value` as JSON of at most `maxBytes`. Over it, its longest strings are cut first (each with its marker), so the
 * text stays JSON a backend can parse; when the structure alone is too large (a transcript of many short messages),
 * the JSON text is cut to its head and tail with the marker, and is no longer JSON.
 */
export function boundedJson(value: unknown, maxBytes: number = MAX_CONTENT_ATTRIBUTE_BYTES): string {
  const text = jsonText(value);
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    return boundedText(text, maxBytes);
  }
  for (let cap = Math.floor(maxBytes / 2); cap >= MIN_STRING_BYTES; cap = Math.floor(cap / 2)) {
    const cut = JSON.stringify(cutStrings(parsed, cap));
    if (Buffer.byteLength(cut) <= maxBytes) return cut;
  }
  return boundedText(text, maxBytes);
}
