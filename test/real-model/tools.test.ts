import { z } from 'zod';
import { AgentRunHandle } from '../../src/client';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { defineTool } from '../../src/tools/define-tool';
import { toolMessagesByCallId } from '../helpers/agent';
import { startHttpTestServer, type HttpTestServer } from '../helpers/http-server';
import { until } from '../helpers/until';
import { startRealModelServer, type RealModelServer } from './helpers/llama-server';
import { forceTool, realModelConfig, withRealAgent } from './helpers/real-agent';

/** A real HTTP tool: each call is one GET to the loopback test server, which counts it. */
function weatherTool(server: HttpTestServer, options: { requiresApproval?: boolean } = {}) {
  const inputs: unknown[] = [];
  const tool = defineTool({
    name: 'get_weather',
    description: 'Returns the current weather of a city.',
    input: z.object({ city: z.string().describe('The name of the city') }),
    retry: { maximumAttempts: 1 },
    ...(options.requiresApproval ? { requiresApproval: true } : {}),
    run: async (input, context) => {
      inputs.push(input);
      const response = await fetch(`${server.origin}/json?city=${encodeURIComponent(input.city)}`, { signal: context.signal });
      return { status: response.status, body: await response.text() };
    },
  });
  return { tool, inputs, hits: () => server.requests.filter((request) => request.path.startsWith('/json')).length };
}

/**
 * The model made to call a tool: the worker merges `tool_choice` naming the tool into every request that offers tools
 * (`ModelConfig.extraBody`). llama-cpp-python's `chatml-function-calling` format accepts `"auto"` or a named tool
 * (`"required"` is not handled: the server answers 500), and with the name it always writes a call to it.
 */
describe('real model: tool calls', () => {
  jest.setTimeout(300_000);
  let server: RealModelServer;
  let http: HttpTestServer;

  beforeAll(async () => {
    server = await startRealModelServer();
    http = await startHttpTestServer();
  }, 180_000);

  afterAll(async () => {
    await http?.close();
    await server?.stop();
  });

  it('a forced tool runs at every step; at the step cap the tool-less last turn ends the run max_steps', async () => {
    const weather = weatherTool(http);
    const before = weather.hits();
    await withRealAgent('real-tools', realModelConfig(server, { extraBody: forceTool('get_weather') }), [weather.tool], async ({ start }) => {
      const handle = await start({ goal: 'What is the weather in Paris? Use the get_weather tool.', maxSteps: 2, maxParallel: 1 });
      const result = (await handle.result()) as AgentRunResult;
      process.stdout.write(`real-model tool run: ${JSON.stringify(result)} inputs ${JSON.stringify(weather.inputs)}\n`);
      // The request after a call carries the assistant message with its tool_calls: llama-cpp-python's request schema
      // takes its `content` as a string (absent or text), and answers 500 to `content: null`.
      // Every step's answer calls the tool (one call: the named choice writes one), so the cap is what ends the run:
      // step 1 and step 2 each run the tool, then the last turn is asked without tools (no extraBody) and answers.
      expect(result.status).toBe('max_steps');
      expect(result.steps).toBe(2);
      expect(weather.hits() - before).toBe(2);
      expect(result.toolCalls).toEqual({ ok: 2, failed: 0 });
      expect(result.usage.modelCalls).toBe(3);
      for (const input of weather.inputs) expect(input).toEqual({ city: expect.any(String) });
      // What the tool returned went back to the model.
      const messages = [...(await toolMessagesByCallId(handle)).values()];
      expect(messages).toHaveLength(2);
      for (const message of messages) expect(message).toContain('durable-agent');
    });
  });

  it('a tool that needs approval waits for it, then runs once the client approves', async () => {
    const weather = weatherTool(http, { requiresApproval: true });
    const before = weather.hits();
    await withRealAgent('real-approval', realModelConfig(server, { extraBody: forceTool('get_weather') }), [weather.tool], async ({ start, client }) => {
      const started = await start({ goal: 'What is the weather in Rome? Use the get_weather tool.', maxSteps: 1 });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      const pending = await until(
        'the model call to wait for approval',
        async () => {
          const found = await run.pending();
          return found.approvals.length > 0 ? found : undefined;
        },
        120_000,
        250,
      );
      expect(pending.approvals).toHaveLength(1);
      const [approval] = pending.approvals;
      expect(approval).toMatchObject({ callId: 's1-1', tool: 'get_weather', arguments: { city: expect.any(String) } });
      expect((await run.state()).status).toBe('waiting_for_approval');
      // Nothing ran before the decision.
      expect(weather.hits() - before).toBe(0);

      await run.approve(approval?.callId ?? 's1-1');
      const result = (await started.result()) as AgentRunResult;
      process.stdout.write(`real-model approval run: ${JSON.stringify(result)}\n`);
      expect(weather.hits() - before).toBe(1);
      expect(weather.inputs).toEqual([approval?.arguments]);
      expect(result.toolCalls).toEqual({ ok: 1, failed: 0 });
      // maxSteps 1: the step that ran the approved call was the last, so the tool-less turn ends the run.
      expect(result.status).toBe('max_steps');
    });
  });
});
