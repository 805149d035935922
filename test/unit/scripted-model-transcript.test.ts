import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';

/** Messages as the openai client sends them. */
type Message = Record<string, unknown>;

const system: Message = { role: 'system', content: 'You are a test agent.' };
const user: Message = { role: 'user', content: 'Do the thing.' };
const assistantCalling = (...ids: string[]): Message => ({
  role: 'assistant',
  content: null,
  tool_calls: ids.map((id) => ({ id, type: 'function', function: { name: 'read_file', arguments: '{}' } })),
});
const toolAnswer = (id: string): Message => ({ role: 'tool', tool_call_id: id, content: `result of ${id}` });
const assistantSaying: Message = { role: 'assistant', content: 'Thinking aloud.' };

interface Reply {
  status: number;
  body: { error?: { message: string; type: string; param: string; code: null }; choices?: unknown[] };
}

/** The scripted model refuses, with the real API's 400, a conversation the real API would refuse. */
describe('scripted model: transcript checks', () => {
  let model: ScriptedModelServer;
  beforeAll(async () => {
    model = await startScriptedModel(compileScript({ turns: [{ content: 'answer', repeat: 10 }] }));
  });
  afterAll(async () => {
    await model.close();
  });

  async function post(messages: Message[]): Promise<Reply> {
    const response = await fetch(`${model.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted', messages }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as Reply['body'] };
  }

  it('answers a well-formed conversation with parallel calls answered in any order', async () => {
    const reply = await post([system, user, assistantCalling('a', 'b'), toolAnswer('b'), toolAnswer('a'), assistantSaying, user]);
    expect(reply.status).toBe(200);
    expect(reply.body.choices).toHaveLength(1);
  });

  it('refuses a tool message with no assistant tool_calls before it', async () => {
    const reply = await post([system, user, toolAnswer('a')]);
    expect(reply).toEqual({
      status: 400,
      body: {
        error: {
          message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          type: 'invalid_request_error',
          param: 'messages.[2].role',
          code: null,
        },
      },
    });
  });

  it('refuses a tool message after an assistant message without tool_calls', async () => {
    const reply = await post([system, user, assistantCalling('a'), toolAnswer('a'), assistantSaying, toolAnswer('a')]);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ type: 'invalid_request_error', param: 'messages.[5].role' });
  });

  it('refuses a tool message whose id the assistant message did not call', async () => {
    const reply = await post([system, user, assistantCalling('a'), toolAnswer('a'), toolAnswer('z')]);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ type: 'invalid_request_error', param: 'messages.[4].tool_call_id' });
    expect(reply.body.error?.message).toContain("'z' not found in 'tool_calls'");
  });

  it('refuses a second answer to the same call', async () => {
    const reply = await post([system, user, assistantCalling('a', 'b'), toolAnswer('a'), toolAnswer('a'), toolAnswer('b')]);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ type: 'invalid_request_error', param: 'messages.[4].tool_call_id' });
    expect(reply.body.error?.message).toContain("'a' was already answered");
  });

  it('refuses an assistant message whose calls are not all answered before the next message', async () => {
    const reply = await post([system, user, assistantCalling('a', 'b', 'c'), toolAnswer('b'), user]);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ type: 'invalid_request_error', param: 'messages.[2].role' });
    expect(reply.body.error?.message).toContain('did not have response messages: a, c');
  });

  it('refuses a conversation that ends before the last calls are answered', async () => {
    const reply = await post([system, user, assistantCalling('a')]);
    expect(reply.status).toBe(400);
    expect(reply.body.error?.message).toContain('did not have response messages: a');
  });

  it('logs a refused request with its status and the system prompt', async () => {
    const before = model.requests.length;
    await post([system, user, toolAnswer('x')]);
    expect(model.requests.slice(before)).toEqual([expect.objectContaining({ status: 400, systemPrompt: 'You are a test agent.' })]);
  });
});
