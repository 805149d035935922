import { ERROR_TYPES } from '../../src/contracts/error-types';
import { loadModelConfig } from '../../src/config/model-config';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { SCRIPTED_REASONING } from '../../src/scripted-model/quirks';
import { compileScript, type ScriptTurn } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import type { Tool } from '../../src/tools/define-tool';
import { withAgent } from '../helpers/agent';
import { withTestWorker } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';

const FINAL = { content: 'Done. I saw: {{observations}}' };
const call = (count: number) => ({ name: 'strict', arguments: { count } });

/** One run against the scripted model, with the worker's model configured from `env` (as `durable-agent worker` reads it). */
async function runWithModelEnv(turns: ScriptTurn[], tools: readonly Tool[], env: NodeJS.ProcessEnv): Promise<{ result: AgentRunResult; model: ScriptedModelServer }> {
  const model = await startScriptedModel(compileScript({ turns }));
  try {
    const config = loadModelConfig({ OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'test-key', DURABLE_AGENT_MODEL: 'scripted', ...env });
    const result = await withTestWorker(
      'quirks',
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-1`, args: [{ goal: 'double some numbers' }] });
        return (await handle.result()) as AgentRunResult;
      },
      { tools, model: config },
    );
    return { result, model };
  } finally {
    await model.close();
  }
}

/**
 * Request parameters some servers refuse, and answers without streaming (docs/providers.md): a refused optional
 * parameter is dropped at once and not sent again; `max_tokens`/`max_completion_tokens` are never sent unless a user
 * adds one through DURABLE_AGENT_MODEL_EXTRA_BODY.
 */
describe('provider quirks: parameters and unstreamed answers', () => {
  jest.setTimeout(60_000);

  it('a 400 naming parallel_tool_calls: asked again at once without it, and never sent again by this worker', async () => {
    const testTools = createTestTools();
    const reject = { rejectParams: ['parallel_tool_calls'] };
    await withAgent({ turns: [{ toolCalls: [call(2), call(3)], ...reject }, { toolCalls: [call(4)], ...reject }, { ...FINAL, ...reject }] }, testTools.tools, async ({ run, model }) => {
      const { result } = await run({ goal: 'double three numbers' });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 3, failed: 0 } });
      // One refusal in all: the same activity attempt asked again, and later steps never sent the parameter.
      expect(model.requests.map((request) => request.status)).toEqual([400, 200, 200, 200]);
      expect(model.requests[0]?.params).toContain('parallel_tool_calls');
      expect(model.requests.slice(1).every((request) => !request.params.includes('parallel_tool_calls') && request.params.includes('tools'))).toBe(true);
    });
  });

  it('a 400 naming stream_options (older Azure API versions): streamed without it from then on, usage then 0', async () => {
    const testTools = createTestTools();
    const reject = { rejectParams: ['stream_options'] };
    await withAgent({ turns: [{ toolCalls: [call(2)], ...reject }, { content: 'Streamed without stream_options.', ...reject }] }, testTools.tools, async ({ run, model }) => {
      const { result } = await run({ goal: 'double two' });
      expect(result).toMatchObject({ status: 'final', answer: 'Streamed without stream_options.', toolCalls: { ok: 1, failed: 0 } });
      expect(model.requests.map((request) => request.status)).toEqual([400, 200, 200]);
      expect(model.requests.slice(1).every((request) => request.params.includes('stream') && !request.params.includes('stream_options'))).toBe(true);
      // A server that refuses stream_options sends no usage: the tokens are estimated from characters.
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
    });
  });

  it('any other 400 is not retried: the run fails with ModelInvocationError.BadRequest', async () => {
    await withAgent({ turns: [{ content: 'never', rejectParams: ['messages'] }] }, [], async ({ run, model }) => {
      const { result } = await run({ goal: 'answer' });
      expect(result).toMatchObject({ status: 'failed', error: { type: ERROR_TYPES.modelBadRequest } });
      expect(result.error?.message).toContain("Unsupported parameter: 'messages'");
      expect(model.requests.map((request) => request.status)).toEqual([400]);
    });
  });

  it('sends neither max_tokens nor max_completion_tokens, unless DURABLE_AGENT_MODEL_EXTRA_BODY adds one', async () => {
    const testTools = createTestTools();
    // A server that refuses max_tokens (OpenAI's reasoning models) never sees it.
    const turns: ScriptTurn[] = [{ toolCalls: [call(2)], rejectParams: ['max_tokens'] }, { ...FINAL, rejectParams: ['max_tokens'] }];
    const plain = await runWithModelEnv(turns, testTools.tools, {});
    expect(plain.result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
    expect(plain.model.requests.flatMap((request) => request.params).filter((param) => param.startsWith('max_'))).toEqual([]);

    const capped = await runWithModelEnv(turns, testTools.tools, { DURABLE_AGENT_MODEL_EXTRA_BODY: '{"max_completion_tokens": 512}' });
    expect(capped.result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
    expect(capped.model.requests.map((request) => request.status)).toEqual([200, 200]);
    expect(capped.model.requests.every((request) => request.params.includes('max_completion_tokens') && !request.params.includes('max_tokens'))).toBe(true);
  });

  it('unstreamed (DURABLE_AGENT_MODEL_STREAM=off): object arguments, no ids, reasoning_content, Azure filters, no usage, no finish reason', async () => {
    const testTools = createTestTools();
    const quirks: ScriptTurn['quirks'] = ['objectArguments', 'noIds', 'reasoningContent', 'azureFilters', 'noUsage', 'noFinishReason'];
    const turns: ScriptTurn[] = [{ toolCalls: [call(2), call(3)], quirks }, { content: 'Unstreamed and quirky.', quirks }];
    const { result, model } = await runWithModelEnv(turns, testTools.tools, { DURABLE_AGENT_MODEL_STREAM: 'off' });
    expect(result).toMatchObject({ status: 'final', answer: 'Unstreamed and quirky.', toolCalls: { ok: 2, failed: 0 } });
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(JSON.stringify(result)).not.toContain(SCRIPTED_REASONING);
    expect(model.requests.map((request) => request.status)).toEqual([200, 200]);
    expect(model.requests.every((request) => !request.params.includes('stream'))).toBe(true);
  });
});
