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

/** Adds one tool-call delta: by `index` (OpenAI); a provider that sends no index gets one call per new id. */
function addCallDelta(calls: CallParts[], delta: NonNullable<ChunkDelta['tool_calls']>[number]): void {
  const index = typeof delta.index === 'number' ? delta.index : delta.id && !calls.some((call) => call.id === delta.id) ? calls.length : Math.max(0, calls.length - 1);
  const call = (calls[index] ??= { name: '', arguments: '' });
  if (delta.id && !call.id) call.id = delta.id;
  const name = delta.function?.name;
  // Some servers repeat the whole name in every delta: take it once.
  if (name && !call.name) call.name = name;
  const args = delta.function?.arguments;
  if (typeof args === 'string') call.arguments += args;
  else if (typeof args === 'object' && args !== null) call.objectArguments = args as Record<string, unknown>;
}

function cutShort(detail: string): ApplicationFailure {
  // Retryable: a stream cut by the server or a proxy half-way says nothing about the next attempt.
  return ApplicationFailure.create({ type: ERROR_TYPES.modelConnection, message: `the model's stream ended before its answer was complete (${detail}); retrying`, nonRetryable: false });
}

/**
 * Asks for a chat completion as a stream (`stream: true`, usage in the last chunk) and assembles the chunks into the
 * shape of a non-streamed answer. `onProgress` sees the text so far as it comes. A chunk that arrives after
 * `idleTimeoutMs` of silence is not waited for: the request is aborted as a timeout (the client's own timeout covers
 * only the wait for the response's headers). A stream that ends with no finish reason was cut: a retryable failure.
 */
export async function streamCompletion(
  openai: OpenAI,
  body: ChatCompletionCreateParamsNonStreaming,
  options: { signal: AbortSignal; idleTimeoutMs: number; onProgress: OnProgress },
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
  const calls: CallParts[] = [];
  let model: string | undefined;
  let usage: unknown;
  let finishReason: string | null = null;
  let chunks = 0;
  try {
    armIdle();
    const response = await openai.chat.completions
      .create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal: idle.signal, maxRetries: 0 })
      .asResponse();
    // A server that ignores `stream` answers whole (a provider quirk): that answer is taken as it is.
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) return await response.json();
    for await (const raw of Stream.fromSSEResponse<unknown>(response, idle, openai)) {
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
      for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) addCallDelta(calls, call);
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
  if (!finishReason) throw cutShort(`after ${chunks} chunks, with no finish reason`);
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
