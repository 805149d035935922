import type { ServerResponse } from 'node:http';
import { azurePromptFilterChunk, choiceExtras, closingChunks, SCRIPTED_REASONING, SSE_COMMENT, toolCallDeltas, type Quirk } from './quirks';

/** The parts of a Chat Completions answer the stream is cut from (what `completionFor` builds). */
interface Completion {
  id: string;
  created: number;
  model: string;
  choices: Array<{
    index: number;
    finish_reason: string;
    message: { role: string; content: string | null; tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }> };
  }>;
  usage: unknown;
}

/** Characters of text per streamed chunk: about one token, as real servers send. */
export const STREAM_CHUNK_CHARS = 4;

/** Most pieces one text is cut into: a very long answer goes in larger pieces (a real model would take minutes to write it). */
const MAX_PIECES = 1_000;

function pieces(text: string, smallest: number): string[] {
  const characters = [...text];
  const size = Math.max(smallest, Math.ceil(characters.length / MAX_PIECES));
  const out: string[] = [];
  for (let at = 0; at < characters.length; at += size) out.push(characters.slice(at, at + size).join(''));
  return out;
}

/**
 * A completion as the `chat.completion.chunk`s an OpenAI-compatible server streams: the role, the text a token at a
 * time, each tool call (its id, type and name first, then its arguments in pieces, keyed by `index`), the finish
 * reason in a chunk of its own, and with `includeUsage` a last chunk with the usage and no choices. `quirks` reshape it
 * as some providers do (src/scripted-model/quirks.ts); a string in the result is a raw SSE line (a comment).
 */
export function chunksOf(completion: Completion, includeUsage: boolean, quirks: readonly Quirk[] = []): unknown[] {
  const choice = completion.choices[0];
  const extras = choiceExtras(quirks);
  const frame = (delta: unknown, finishReason: string | null = null) => ({
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    choices: [{ index: 0, delta, finish_reason: finishReason, ...extras }],
  });
  const chunks: unknown[] = [];
  if (quirks.includes('sseComments')) chunks.push(SSE_COMMENT);
  if (quirks.includes('azureFilters')) chunks.push(azurePromptFilterChunk());
  if (!quirks.includes('noRole')) chunks.push(frame({ role: 'assistant', content: '' }));
  if (quirks.includes('reasoningContent')) for (const text of pieces(SCRIPTED_REASONING, STREAM_CHUNK_CHARS)) chunks.push(frame({ reasoning_content: text }));
  for (const text of pieces(choice?.message.content ?? '', STREAM_CHUNK_CHARS)) chunks.push(frame({ content: text }));
  (choice?.message.tool_calls ?? []).forEach((call, index) => {
    if (quirks.includes('sseComments')) chunks.push(SSE_COMMENT);
    for (const delta of toolCallDeltas(call, index, pieces(call.function.arguments, STREAM_CHUNK_CHARS * 4), quirks)) chunks.push(frame({ tool_calls: [delta] }));
  });
  chunks.push(...closingChunks(frame, choice?.finish_reason ?? 'stop', completion.usage, includeUsage, quirks));
  return chunks;
}

/**
 * Sends `chunks` as server-sent events, `delayMs` apart, then `[DONE]`. With `cutAfter`, the connection is closed after
 * that many chunks, mid-answer, as a server or proxy that fails half-way does. Stops early if the client goes away.
 */
export async function sendStream(response: ServerResponse, chunks: readonly unknown[], options: { delayMs: number; cutAfter?: number }): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const [index, chunk] of chunks.entries()) {
    if (options.cutAfter !== undefined && index >= options.cutAfter) {
      response.destroy();
      return;
    }
    if (response.destroyed) return;
    response.write(typeof chunk === 'string' ? `${chunk}\n\n` : `data: ${JSON.stringify(chunk)}\n\n`);
    if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  if (options.cutAfter !== undefined && options.cutAfter < chunks.length + 1) {
    response.destroy();
    return;
  }
  response.end('data: [DONE]\n\n');
}
