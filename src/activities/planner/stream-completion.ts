import { ApplicationFailure } from '@temporalio/activity';
import type OpenAI from 'openai';
import { Stream } from 'openai/streaming';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { ERROR_TYPES } from '../../contracts/error-types';

/** What the model has written so far: called after every chunk that added text or began a tool call. */
export type OnProgress = (progress: { text: string; calls: string[] }) => void;

/** One tool call as its deltas arrive (keyed by `index`; the first delta has the id and the name). */
interface CallParts {
  id?: string;
  name: string;
  arguments: string;
  /** Arguments sent as a JSON object rather than text (a provider quirk): taken whole. */
  objectArguments?: Record<string, unknown>;
}

interface ChunkDelta {
  content?: unknown;
  tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: unknown } }>;
}

interface Chunk {
  model?: string;
  choices?: Array<{ delta?: ChunkDelta; finish_reason?: string | null }>;
  usage?: unknown;
}

/** The completion assembled from chunks, in the shape of a non-streamed answer (checked by the caller like one). */
export interface AssembledCompletion {
  model?: string;
  choices: Array<{ message: { content: string; tool_calls: Array<{ id?: string; type: 'function'; function: { name: string; arguments: string | Record<string, unknown> } }> }; finish_reason: string | null }>;
  usage?: unknown;
}

type CallDelta = NonNullable<ChunkDelta['tool_calls']>[number];

/** Whether a call's arguments are whole: an object, or text that parses as JSON. */
function argumentsComplete(call: CallParts): boolean {
  if (call.objectArguments) return true;
  if (!call.arguments.trim()) return false;
  try {
    JSON.parse(call.arguments);
    return true;
  } catch {
    return false;
  }
}

function hasArguments(delta: CallDelta): boolean {
  const args = delta.function?.arguments;
  return (typeof args === 'string' && args !== '') || (typeof args === 'object' && args !== null);
}

/**
 * The tool calls of a streamed answer, from their deltas. OpenAI keys each delta by `index`; providers differ
 * (docs/providers.md): an index reused for a call with another id (reported of Ollama) starts a new call; without an
 * index, a new id starts a new call, and so does a delta that names a tool and brings arguments while the last call's
 * arguments are already whole (a server that sends each call whole, or no ids at all). The name repeated in every
 * delta is taken once; arguments sent as an object are taken whole.
 */
class CallAssembler {
  readonly calls: CallParts[] = [];
  /** Where the deltas of each `index` go now. */
  private readonly slots = new Map<number, number>();

  add(delta: CallDelta): void {
    const call = (this.calls[this.positionOf(delta)] ??= { name: '', arguments: '' });
    if (delta.id && !call.id) call.id = delta.id;
    const name = delta.function?.name;
    if (name && !call.name) call.name = name;
    const args = delta.function?.arguments;
    if (typeof args === 'string') call.arguments += args;
    else if (typeof args === 'object' && args !== null) call.objectArguments = { ...call.objectArguments, ...(args as Record<string, unknown>) };
  }

  private positionOf(delta: CallDelta): number {
    const last = this.calls.at(-1);
    if (typeof delta.index === 'number') {
      const slot = this.slots.get(delta.index);
      const current = slot === undefined ? undefined : this.calls[slot];
      if (slot === undefined || (current?.id && delta.id && delta.id !== current.id)) this.slots.set(delta.index, this.calls.length);
      return this.slots.get(delta.index) ?? this.calls.length;
    }
    if (!last) return 0;
    if (delta.id && !this.calls.some((call) => call.id === delta.id)) return this.calls.length;
    if (delta.function?.name && last.name && hasArguments(delta) && argumentsComplete(last)) return this.calls.length;
    return this.calls.length - 1;
  }
}

/**
 * The response with its body passed through unchanged, noting whether the stream ended with `data: [DONE]` (the
 * `openai` SDK's `Stream` reads it but does not say): a stream that ends with `[DONE]` was finished by the server.
 */
function watchForDone(response: Response): { response: Response; sawDone: () => boolean } {
  if (!response.body) return { response, sawDone: () => false };
  let done = false;
  let carry = '';
  const decoder = new TextDecoder();
  const scan = (text: string) => {
    const lines = (carry + text).split(/\r\n|\r|\n/);
    carry = lines.pop() ?? '';
    if (lines.some((line) => /^data:\s?\[DONE\]/.test(line))) done = true;
  };
  const watched = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        scan(decoder.decode(chunk, { stream: true }));
        controller.enqueue(chunk);
      },
      flush() {
        scan(`${decoder.decode()}\n`);
      },
    }),
  );
  return { response: new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers }), sawDone: () => done };
}

function cutShort(detail: string): ApplicationFailure {
  // Retryable: a stream cut by the server or a proxy half-way says nothing about the next attempt.
  return ApplicationFailure.create({ type: ERROR_TYPES.modelConnection, message: `the model's stream ended before its answer was complete (${detail}); retrying`, nonRetryable: false });
}

/**
 * Asks for a chat completion as a stream (`stream: true`; with `includeUsage`, the default, usage in the last chunk)
 * and assembles the chunks into the shape of a non-streamed answer. `onProgress` sees the text so far as it comes
 * (never `reasoning_content` or other extra fields: only `content` is the answer). A chunk that arrives after
 * `idleTimeoutMs` of silence is not waited for: the request is aborted as a timeout (the client's own timeout covers
 * only the wait for the response's headers). A stream finished by the server has a finish reason, or ends with
 * `[DONE]` (some servers send no finish reason); one with neither was cut: a retryable failure.
 */
export async function streamCompletion(
  openai: OpenAI,
  body: ChatCompletionCreateParamsNonStreaming,
  options: { signal: AbortSignal; idleTimeoutMs: number; onProgress: OnProgress; includeUsage?: boolean },
): Promise<unknown> {
  const idle = new AbortController();
  const abort = () => idle.abort();
  options.signal.addEventListener('abort', abort, { once: true });
  let idleTimer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      timedOut = true;
      idle.abort();
    }, options.idleTimeoutMs);
  };
  let text = '';
  const assembler = new CallAssembler();
  const calls = assembler.calls;
  let sawDone: (() => boolean) | undefined;
  let model: string | undefined;
  let usage: unknown;
  let finishReason: string | null = null;
  let chunks = 0;
  try {
    armIdle();
    const streamOptions = options.includeUsage === false ? {} : { stream_options: { include_usage: true } };
    const answered = await openai.chat.completions.create({ ...body, stream: true, ...streamOptions }, { signal: idle.signal, maxRetries: 0 }).asResponse();
    // A server that ignores `stream` answers whole (a provider quirk): that answer is taken as it is.
    if (!(answered.headers.get('content-type') ?? '').includes('text/event-stream')) return await answered.json();
    const watched = watchForDone(answered);
    sawDone = watched.sawDone;
    for await (const raw of Stream.fromSSEResponse<unknown>(watched.response, idle, openai)) {
      armIdle();
      chunks += 1;
      const chunk = (typeof raw === 'object' && raw !== null ? raw : {}) as Chunk;
      if (typeof chunk.model === 'string' && chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
      if (!choice) continue;
      if (choice.finish_reason) finishReason = choice.finish_reason;
      const delta = choice.delta ?? {};
      const before = { chars: text.length, calls: calls.length };
      if (typeof delta.content === 'string') text += delta.content;
      for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) if (call && typeof call === 'object') assembler.add(call);
      if (text.length !== before.chars || calls.length !== before.calls) options.onProgress({ text, calls: calls.map((call) => call.name) });
    }
  } catch (error) {
    if (timedOut) {
      throw ApplicationFailure.create({ type: ERROR_TYPES.modelTimeout, message: `the model sent nothing for ${options.idleTimeoutMs} ms in the middle of its answer; retrying`, nonRetryable: false });
    }
    throw error;
  } finally {
    clearTimeout(idleTimer);
    options.signal.removeEventListener('abort', abort);
  }
  // The SDK ends the iteration quietly when the request is aborted: a cancellation, or the idle timeout.
  if (options.signal.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('the model call was cancelled');
  if (timedOut) throw ApplicationFailure.create({ type: ERROR_TYPES.modelTimeout, message: `the model sent nothing for ${options.idleTimeoutMs} ms in the middle of its answer; retrying`, nonRetryable: false });
  if (chunks === 0) throw cutShort('no chunk at all');
  if (!finishReason && !sawDone?.()) throw cutShort(`after ${chunks} chunks, with no finish reason and no [DONE]`);
  return {
    ...(model ? { model } : {}),
    choices: [
      {
        message: {
          content: text,
          tool_calls: calls.map((call) => ({ ...(call.id ? { id: call.id } : {}), type: 'function', function: { name: call.name, arguments: call.objectArguments ?? call.arguments } })),
        },
        finish_reason: finishReason,
      },
    ],
    ...(usage ? { usage } : {}),
  };
}
