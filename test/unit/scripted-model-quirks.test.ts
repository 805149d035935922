import OpenAI, { APIError } from 'openai';
import { rejectedParameters } from '../../src/activities/planner/classify-model-error';
import { streamCompletion } from '../../src/activities/planner/stream-completion';
import { QUIRKS, SCRIPTED_REASONING, SSE_COMMENT, type Quirk } from '../../src/scripted-model/quirks';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import { chunksOf } from '../../src/scripted-model/stream';

const completion = {
  id: 'chatcmpl-1',
  created: 0,
  model: 'scripted',
  choices: [
    {
      index: 0,
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: 'Two calls.',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'order_status', arguments: '{"orderId":"42","note":"longer than one piece of arguments"}' } },
          { id: 'call_b', type: 'function', function: { name: 'order_status', arguments: '{"orderId":"7"}' } },
        ],
      },
    },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
};

type Chunk = { choices?: Array<{ delta?: { tool_calls?: Array<Record<string, unknown>>; reasoning_content?: string; role?: string }; finish_reason?: string | null }>; usage?: unknown; prompt_filter_results?: unknown };
const objects = (chunks: unknown[]) => chunks.filter((chunk): chunk is Chunk => typeof chunk === 'object');
const callDeltas = (chunks: unknown[]) => objects(chunks).flatMap((chunk) => chunk.choices?.[0]?.delta?.tool_calls ?? []);

/** Each quirk's streamed shape (src/scripted-model/quirks.ts), read from the chunks themselves. */
describe('scripted model quirks: the shapes', () => {
  it('objectArguments sends each call whole in one delta, its arguments an object', () => {
    const deltas = callDeltas(chunksOf(completion, false, ['objectArguments']));
    expect(deltas).toEqual([
      { index: 0, id: 'call_a', type: 'function', function: { name: 'order_status', arguments: { orderId: '42', note: 'longer than one piece of arguments' } } },
      { index: 1, id: 'call_b', type: 'function', function: { name: 'order_status', arguments: { orderId: '7' } } },
    ]);
  });

  it('noIndex, sameIndex, repeatName and noIds reshape the tool-call deltas', () => {
    expect(callDeltas(chunksOf(completion, false, ['noIndex'])).every((delta) => !('index' in delta))).toBe(true);
    expect(callDeltas(chunksOf(completion, false, ['sameIndex'])).every((delta) => delta.index === 0)).toBe(true);
    const repeated = callDeltas(chunksOf(completion, false, ['repeatName']));
    expect(repeated.length).toBeGreaterThan(3);
    expect(repeated.every((delta) => (delta.function as { name?: string }).name === 'order_status' && typeof delta.id === 'string')).toBe(true);
    expect(callDeltas(chunksOf(completion, false, ['noIds'])).every((delta) => !('id' in delta))).toBe(true);
  });

  it('azureFilters, noRole, reasoningContent and sseComments shape the first chunks', () => {
    const azure = objects(chunksOf(completion, false, ['azureFilters', 'noRole']));
    expect(azure[0]).toMatchObject({ choices: [], prompt_filter_results: expect.any(Array) });
    expect(azure.some((chunk) => chunk.choices?.[0]?.delta?.role)).toBe(false);
    const reasoning = objects(chunksOf(completion, false, ['reasoningContent']));
    expect(reasoning.map((chunk) => chunk.choices?.[0]?.delta?.reasoning_content ?? '').join('')).toBe(SCRIPTED_REASONING);
    expect(chunksOf(completion, false, ['sseComments'])[0]).toBe(SSE_COMMENT);
  });

  it('noUsage, usageInFinishChunk and noFinishReason shape the last chunks', () => {
    expect(objects(chunksOf(completion, true, ['noUsage'])).some((chunk) => chunk.usage)).toBe(false);
    const inFinish = objects(chunksOf(completion, false, ['usageInFinishChunk'])).at(-1);
    expect(inFinish).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }], usage: completion.usage });
    const none = objects(chunksOf(completion, true, ['noFinishReason']));
    expect(none.every((chunk) => !chunk.choices?.[0]?.finish_reason)).toBe(true);
    expect(none.at(-1)).toMatchObject({ choices: [], usage: completion.usage });
  });

  it('refuses an unknown quirk, and quirks on a fault turn', () => {
    expect(() => compileScript({ turns: [{ content: 'x', quirks: ['noSuchQuirk'] }] })).toThrow(/quirks\[0\]/);
    expect(() => compileScript({ turns: [{ status: 500, quirks: ['noIds'] }, { content: 'x' }] })).toThrow(/shape an answer/);
  });
});

/** The planner's stream assembly against the scripted model: every quirk assembles to the same answer. */
describe('scripted model quirks: what the planner assembles', () => {
  let model: ScriptedModelServer;
  let client: OpenAI;
  const messages = [{ role: 'user' as const, content: 'Find the orders.' }];
  const tools = [{ type: 'function' as const, function: { name: 'order_status', parameters: { type: 'object', properties: {} } } }];
  const turn = { content: 'Two calls.', toolCalls: [{ name: 'order_status', id: 'call_a', arguments: { orderId: '42', note: 'longer than one piece of arguments' } }, { name: 'order_status', id: 'call_b', arguments: { orderId: '7' } }] };
  beforeAll(async () => {
    const scripts = new Map(QUIRKS.map((quirk) => [quirk, compileScript({ turns: [{ ...turn, quirks: [quirk] }] })]));
    model = await startScriptedModel(compileScript({ turns: [turn] }), { scriptsByModel: scripts, rejectParams: ['reject_me'] });
    client = new OpenAI({ apiKey: 'test', baseURL: model.baseURL, maxRetries: 0 });
  });
  afterAll(async () => {
    await model.close();
  });
  const assemble = (quirk: string) => streamCompletion(client, { model: quirk, messages, tools }, { signal: new AbortController().signal, idleTimeoutMs: 5_000, onProgress: () => undefined }) as Promise<{ choices: Array<{ message: { content: string; tool_calls: Array<{ id?: string; function: { name: string; arguments: unknown } }> } }> }>;
  const args = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as unknown;

  it.each(QUIRKS.filter((quirk) => quirk !== 'noIds'))('%s: the same text and calls as OpenAI streams them', async (quirk: Quirk) => {
    const answer = await assemble(quirk);
    const message = answer.choices[0]?.message;
    expect(message?.content).toBe('Two calls.');
    expect(message?.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: args(call.function.arguments) }))).toEqual([
      { id: 'call_a', name: 'order_status', arguments: { orderId: '42', note: 'longer than one piece of arguments' } },
      { id: 'call_b', name: 'order_status', arguments: { orderId: '7' } },
    ]);
  });

  it('noIds: two calls without ids, told apart by their names and whole arguments', async () => {
    const calls = (await assemble('noIds')).choices[0]?.message.tool_calls ?? [];
    expect(calls.map((call) => [call.id, args(call.function.arguments)])).toEqual([
      [undefined, { orderId: '42', note: 'longer than one piece of arguments' }],
      [undefined, { orderId: '7' }],
    ]);
  });

  it('answers a rejected parameter with the 400 OpenAI sends, which names it', async () => {
    const error = await client.chat.completions.create({ model: 'scripted', messages, reject_me: 1 } as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 400, param: 'reject_me', type: 'invalid_request_error', code: 'unsupported_parameter' });
    expect(rejectedParameters(error, ['reject_me'])).toEqual({ params: ['reject_me'], named: true });
    expect(model.requests.at(-1)).toMatchObject({ status: 400, params: ['messages', 'model', 'reject_me'] });
  });
});

describe('rejectedParameters', () => {
  const bad = (body: unknown, message?: string) => APIError.generate(400, body as Record<string, unknown>, message, new Headers());
  const both = ['parallel_tool_calls', 'stream_options'];
  it('reads the parameter from `param` or from the message, as OpenAI, Azure and Gemini word it', () => {
    expect(rejectedParameters(bad({ error: { message: "Unknown parameter: 'stream_options'.", param: 'stream_options' } }), both)).toEqual({ params: ['stream_options'], named: true });
    expect(rejectedParameters(bad({ error: { message: 'Unrecognized request argument supplied: stream_options' } }), both)).toEqual({ params: ['stream_options'], named: true });
    expect(rejectedParameters(bad({ error: { code: 400, message: 'Invalid JSON payload received. Unknown name "parallel_tool_calls": Cannot find field.', status: 'INVALID_ARGUMENT' } }), both)).toEqual({ params: ['parallel_tool_calls'], named: true });
    expect(rejectedParameters(bad({ error: { code: 400, message: 'Parallel tool calls are not supported.', status: 'INVALID_ARGUMENT' } }), both)).toEqual({ params: ['parallel_tool_calls'], named: true });
  });

  it('suspects every optional parameter of a 400 whose body the SDK cannot read (Gemini: an array)', () => {
    const gemini = bad([{ error: { code: 400, message: 'Invalid JSON payload received. Unknown name "parallel_tool_calls": Cannot find field.' } }]);
    expect(gemini.message).toBe('400 status code (no body)');
    expect(rejectedParameters(gemini, both)).toEqual({ params: both, named: false });
  });

  it('names nothing for other 400s, other statuses, and parameters that were not sent', () => {
    const none = { params: [], named: false };
    expect(rejectedParameters(bad({ error: { message: 'messages.[4].role is wrong', param: 'messages.[4].role' } }), both)).toEqual(none);
    expect(rejectedParameters(APIError.generate(500, { error: { message: 'parallel_tool_calls broke' } }, undefined, new Headers()), both)).toEqual(none);
    expect(rejectedParameters(bad({ error: { message: "Unsupported parameter: 'stream_options'", param: 'stream_options' } }), ['parallel_tool_calls'])).toEqual(none);
  });
});
