import type { ServerResponse } from 'node:http';

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

function pieces(text: string, size: number): string[] {
  const characters = [...text];
  const out: string[] = [];
  for (let at = 0; at < characters.length; at += size) out.push(characters.slice(at, at + size).join(''));
  return out;
}

/**
 * A completion as the `chat.completion.chunk`s an OpenAI-compatible server streams: the role, the text a token at a
 * time, each tool call (its id, type and name first, then its arguments in pieces, keyed by `index`), the finish
 * reason in a chunk of its own, and with `includeUsage` a last chunk with the usage and no choices.
 */
export function chunksOf(completion: Completion, includeUsage: boolean): unknown[] {
  const choice = completion.choices[0];
  const frame = (delta: unknown, finishReason: string | null = null) => ({
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const chunks: unknown[] = [frame({ role: 'assistant', content: '' })];
  for (const text of pieces(choice?.message.content ?? '', STREAM_CHUNK_CHARS)) chunks.push(frame({ content: text }));
  (choice?.message.tool_calls ?? []).forEach((call, index) => {
    chunks.push(frame({ tool_calls: [{ index, id: call.id, type: call.type, function: { name: call.function.name, arguments: '' } }] }));
    for (const part of pieces(call.function.arguments, STREAM_CHUNK_CHARS * 4)) chunks.push(frame({ tool_calls: [{ index, function: { arguments: part } }] }));
  });
  chunks.push(frame({}, choice?.finish_reason ?? 'stop'));
  if (includeUsage) chunks.push({ id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model, choices: [], usage: completion.usage });
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
    response.write(`data: ${JSON.stringify(chunk)}\n\n`);
    if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  if (options.cutAfter !== undefined && options.cutAfter < chunks.length + 1) {
    response.destroy();
    return;
  }
  response.end('data: [DONE]\n\n');
}
