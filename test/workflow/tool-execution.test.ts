import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { connectClient } from '../../src/config/connect';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { defineTool, type Tool } from '../../src/tools/define-tool';
import { createWorker } from '../../src/worker';
import { historyEvents, modelCalls, ranActivities, scheduledActivities, toolMessagesByCallId, withAgent } from '../helpers/agent';
import { installQuietRuntime, testConfig, testWorkflowBundlePath, uniqueTaskQueue } from '../helpers/temporal';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** How tools declare their execution (issue 11 item 4), against the real server. */
describe('tool execution', () => {
  jest.setTimeout(90_000);

  it('a JSON Schema tool runs with valid input; invalid input is refused in the workflow, before anything is scheduled', async () => {
    const received: unknown[] = [];
    const lookup = defineTool<{ sku: string; quantity?: number }>({
      name: 'stock_lookup',
      description: 'Stock of a product',
      inputSchema: { type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' }, quantity: { type: 'integer', default: 1 } }, required: ['sku'] },
      run: async (input) => {
        received.push(input);
        return { sku: input.sku, inStock: 7, quantity: input.quantity };
      },
    });
    const script = { turns: [{ toolCalls: [{ name: 'stock_lookup', arguments: { sku: 'ABC-12' } }, { name: 'stock_lookup', arguments: { sku: 'nope' } }] }, FINAL] };
    await withAgent(script, [lookup], async ({ run }) => {
      const { handle, result } = await run({ goal: 'check stock' });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 1 } });
      expect(received).toEqual([{ sku: 'ABC-12', quantity: 1 }]);
      const messages = [...(await toolMessagesByCallId(handle)).values()];
      expect(messages.some((text) => text.includes(`${ERROR_TYPES.toolInputInvalid}: invalid input for tool "stock_lookup": sku: does not match the pattern ^[A-Z]{3}-\\d+$`))).toBe(true);
      const events = await historyEvents(handle);
      expect(events.filter((event) => event.activityTaskFailedEventAttributes)).toHaveLength(0);
      expect(scheduledActivities(events).filter((name) => name === 'stock_lookup')).toHaveLength(1);
    });
  });

  it('a mutating tool that does not use the idempotency key runs once, even when it fails', async () => {
    let calls = 0;
    const charge = defineTool({
      name: 'charge_card',
      description: 'Charges a card',
      input: z.object({ cents: z.number().int() }),
      effects: 'mutating',
      run: async () => {
        calls += 1;
        throw new Error('the payment gateway timed out (did the charge happen?)');
      },
    });
    await withAgent({ turns: [{ toolCalls: [{ name: 'charge_card', arguments: { cents: 500 } }] }, FINAL] }, [charge], async ({ run }) => {
      const { result } = await run({ goal: 'charge once' });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 0, failed: 1 } });
      expect(calls).toBe(1);
      expect(result.answer).toContain('gave up after up to 1 attempt');
    });
  });

  it('a tool on its own task queue runs on the workers of that queue', async () => {
    installQuietRuntime();
    const ranOn: string[] = [];
    const remoteTool = (where: string): Tool =>
      defineTool({
        name: 'gpu_render',
        description: 'Renders on the GPU workers',
        input: z.object({ scene: z.string() }),
        taskQueue: toolQueue,
        run: async ({ scene }) => {
          ranOn.push(where);
          return `rendered ${scene} on ${where}`;
        },
      });
    const toolQueue = uniqueTaskQueue('gpu-tools');
    const config = testConfig();
    const connection = await NativeConnection.connect(config.connectionOptions);
    const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'gpu_render', arguments: { scene: 'teapot' } }] }, FINAL] }));
    const client = await connectClient(config);
    try {
      const modelOptions = { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 };
      const agentQueue = uniqueTaskQueue('agent');
      const bundle = { codePath: testWorkflowBundlePath() };
      const agentWorker = await createWorker({ config, connection, taskQueue: agentQueue, tools: [remoteTool('agent-worker')], builtinTools: false, model: modelOptions, workflowBundle: bundle });
      const toolWorker = await createWorker({ config, connection, taskQueue: toolQueue, tools: [remoteTool('gpu-worker')], builtinTools: false, model: modelOptions, workflowBundle: bundle });
      const handle = await client.workflow.start('agentWorkflow', { taskQueue: agentQueue, workflowId: `${agentQueue}-run`, args: [{ goal: 'render a teapot' }] });
      const result = (await toolWorker.runUntil(agentWorker.runUntil(handle.result()))) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      expect(ranOn).toEqual(['gpu-worker']);
      const events = await historyEvents(handle);
      const scheduled = events.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'gpu_render');
      expect(scheduled?.activityTaskScheduledEventAttributes?.taskQueue?.name).toBe(toolQueue);
      // What the model saw is recorded in each plan's result (the default planner's local calls: their markers).
      const plans = modelCalls(events).flatMap((call) => (call.answer ? [call.answer] : []));
      expect(plans).toHaveLength(2);
      expect(plans.map((plan) => plan.seen?.messageCount)).toEqual([2, 5]);
      expect(plans[0]?.seen).toMatchObject({ tools: 1, transcriptHash: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(ranActivities(events)).toEqual(['describeTools', 'plan', 'gpu_render', 'plan']);
    } finally {
      await client.connection.close();
      await connection.close();
      await model.close();
    }
  });
});
