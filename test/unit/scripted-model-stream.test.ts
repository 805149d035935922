import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';

const messages = [{ role: 'user' as const, content: 'Find the order.' }];
const tools = [{ type: 'function' as const, function: { name: 'order_status', parameters: { type: 'object', properties: {} } } }];

/** What a client assembles from a stream: the text, the tool calls by index, the finish reason, the usage. */
async function assemble(stream: AsyncIterable<ChatCompletionChunk>) {
  let text = '';
  let finish: string | null = null;
  let usage: unknown;
  let chunks = 0;
  const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
  for await (const chunk of stream) {
    chunks += 1;
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.delta.content ?? '';
    for (const call of choice.delta.tool_calls ?? []) {
      const entry = (calls[call.index] ??= { arguments: '' });
      if (call.id) entry.id = call.id;
      if (call.function?.name) entry.name = call.function.name;
      entry.arguments += call.function?.arguments ?? '';
    }
    finish = choice.finish_reason ?? finish;
  }
  return { text, calls, finish, usage, chunks };
}

/** The scripted model streams as OpenAI-compatible servers do (docs/scripted-model.md, "Streaming"). */
describe('scripted model: streamed answers', () => {
  let model: ScriptedModelServer;
  let client: OpenAI;
  beforeAll(async () => {
    model = await startScriptedModel(
      compileScript({
        turns: [
          { cutAfterChunks: 4 },
          { content: 'Order 42 has shipped and arrives tomorrow.', toolCalls: [{ name: 'order_status', arguments: { orderId: '42', note: 'a longer argument than one chunk holds' } }] },
        ],
      }),
    );
    client = new OpenAI({ apiKey: 'test', baseURL: model.baseURL, maxRetries: 0 });
  });
  afterAll(async () => {
    await model.close();
  });

  it('a cut fault ends the stream mid-answer, with no finish reason; the next attempt streams the whole answer', async () => {
    let cut: { text: string; finish: string | null } | undefined;
    let failure: unknown;
    try {
      cut = await assemble(await client.chat.completions.create({ model: 'scripted', messages, tools, stream: true }));
    } catch (error) {
      failure = error;
    }
    // Either the client reports the broken connection, or the stream just stops: never a finished answer.
    if (!failure) {
      expect(cut?.finish).toBeNull();
      expect('Order 42 has shipped'.startsWith(cut?.text ?? 'x')).toBe(true);
    }
    expect(model.requests.at(-1)?.status).toBe(0);

    const whole = await assemble(await client.chat.completions.create({ model: 'scripted', messages, tools, stream: true, stream_options: { include_usage: true } }));
    expect(whole.text).toBe('Order 42 has shipped and arrives tomorrow.');
    expect(whole.chunks).toBeGreaterThan(10);
    expect(whole.finish).toBe('tool_calls');
    expect(whole.calls).toEqual([{ id: 'call_1_1', name: 'order_status', arguments: JSON.stringify({ orderId: '42', note: 'a longer argument than one chunk holds' }) }]);
    expect(whole.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it('streams exactly the answer it gives unstreamed, with usage only when asked for', async () => {
    const plain = await client.chat.completions.create({ model: 'scripted', messages, tools });
    const streamed = await assemble(await client.chat.completions.create({ model: 'scripted', messages, tools, stream: true }));
    const message = plain.choices[0]?.message;
    expect(streamed.text).toBe(message?.content);
    expect(streamed.calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }))).toEqual(message?.tool_calls);
    expect(streamed.usage).toBeUndefined();
  });

  it('paces the chunks by the script or the server', async () => {
    const paced = await startScriptedModel(compileScript({ turns: [{ content: 'one two three four', chunkDelayMs: 30 }] }));
    try {
      const started = Date.now();
      let texts = 0;
      const stream = await new OpenAI({ apiKey: 'test', baseURL: paced.baseURL }).chat.completions.create({ model: 'scripted', messages, stream: true });
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) texts += 1;
      // Seven chunks (role, five of text, finish), each followed by the pause: a lower bound, never a flaky upper one.
      expect(texts).toBe(5);
      expect(Date.now() - started).toBeGreaterThanOrEqual(7 * 30);
    } finally {
      await paced.close();
    }
  });

  it('refuses a turn that is both an answer and a cut, or a status and a cut', () => {
    expect(() => compileScript({ turns: [{ content: 'x', cutAfterChunks: 2 }] })).toThrow(/either an answer or a fault/);
    expect(() => compileScript({ turns: [{ status: 500, cutAfterChunks: 2 }, { content: 'x' }] })).toThrow(/an HTTP status or a cut stream, not both/);
  });
});
