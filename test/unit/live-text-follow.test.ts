import type { AgentRunHandle, ModelStreamChunk } from '../../src/client';
import { followText } from '../../src/cli/live-text';

/** A run handle whose successive `stream()` calls yield these chunks, then throw `failAfter` (when given). */
function handleStreaming(streams: Array<{ chunks: ModelStreamChunk[]; failAfter?: Error }>): AgentRunHandle {
  let call = 0;
  return {
    async *stream() {
      const next = streams[call++] ?? { chunks: [] };
      for (const chunk of next.chunks) yield chunk;
      if (next.failAfter) throw next.failAfter;
    },
  } as unknown as AgentRunHandle;
}

/** The CLI's live-text reader (src/cli/live-text.ts) over a stream that breaks and reconnects. */
describe('followText', () => {
  it('ends the call it was showing when its stream broke and the reconnected one finds the run ended', async () => {
    const shown: ModelStreamChunk[] = [];
    const handle = handleStreaming([{ chunks: [{ type: 'text', step: 1, attempt: 1, text: 'Hello, ' }, { type: 'text', step: 1, attempt: 1, text: 'world.' }], failAfter: new Error('connection reset') }, { chunks: [] }]);
    await followText(handle, (chunk) => shown.push(chunk), new AbortController().signal);
    expect(shown.map((chunk) => chunk.type)).toEqual(['text', 'text', 'done']);
    expect(shown.at(-1)).toEqual({ type: 'done', step: 1, attempt: 1 });
  });

  it('adds no second done to a call that ended in its stream', async () => {
    const shown: ModelStreamChunk[] = [];
    const handle = handleStreaming([{ chunks: [{ type: 'text', step: 1, attempt: 1, text: 'Whole.' }, { type: 'done', step: 1, attempt: 1 }] }]);
    await followText(handle, (chunk) => shown.push(chunk), new AbortController().signal);
    expect(shown.map((chunk) => chunk.type)).toEqual(['text', 'done']);
  });
});
