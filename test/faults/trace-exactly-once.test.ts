import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient } from '../../src/config/connect';
import { decideUpdate, pendingQuery } from '../../src/contracts/definitions';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { activeTracing } from '../../src/observability/tracing';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { readEffects } from '../helpers/effect-tools';
import { startWorkerProcess, waitForExit } from '../helpers/fault-worker';
import { startOtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

/**
 * One trace per run, each span once (docs/observability.md, "Traces"): a worker SIGKILLed in the middle of a step, a
 * second worker that replays the run and finishes it, and an OTLP receiver that counts every span it gets.
 */
describe('traces: exactly once across a worker crash', () => {
  jest.setTimeout(120_000);

  it('one trace; no span twice; one span per activity attempt, the killed attempt none; GenAI attributes', async () => {
    const receiver = await startOtlpReceiver();
    const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'trace-test' };
    Object.assign(process.env, tracingEnv);
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-trace-'));
    const effectsLog = join(folder, 'effects.log');
    const model = await startScriptedModel(
      compileScript({ turns: [{ toolCalls: [{ name: 'effect', arguments: { name: 'fast', ms: 10 } }] }, { toolCalls: [{ name: 'effect', arguments: { name: 'slow', ms: 3_000 } }] }, { content: 'done' }] }),
    );
    const taskQueue = uniqueTaskQueue('trace');
    const env = { ...process.env, ...tracingEnv, TEMPORAL_ADDRESS: testConfig().address, FAULT_TASK_QUEUE: taskQueue, FAULT_MODEL_URL: model.baseURL, FAULT_EFFECTS_LOG: effectsLog };
    const client = await connectClient(testConfig());
    const workers: ChildProcess[] = [];
    try {
      workers.push(startWorkerProcess(env));
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'trace me' }] });
      // Killed once its spans so far are out (a process's spans leave in batches every 500 ms: a SIGKILL loses at most
      // the last batch, docs/observability.md) and the slow call is under way.
      await until(
        'the slow call to start and the second model call\'s span to arrive',
        async () =>
          readEffects(effectsLog).some((line) => line.event === 'start' && line.name === 'slow') && receiver.spans.some((span) => span.name === 'chat scripted' && span.attributes['durable_agent.step'] === 2)
            ? true
            : undefined,
        60_000,
        50,
      );
      workers[0]!.kill('SIGKILL');
      await waitForExit(workers[0]!);
      workers.push(startWorkerProcess(env));
      const result = (await handle.result()) as AgentRunResult;
      expect(result.status).toBe('final');
      workers[1]!.kill('SIGINT');
      await waitForExit(workers[1]!);
      await activeTracing()?.shutdown();

      const spans: ReceivedSpan[] = receiver.spans;
      const named = (name: string) => spans.filter((span) => span.name === name);
      // One trace: the client's start span is its root.
      expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
      expect(named('StartWorkflow:agentWorkflow')).toHaveLength(1);
      expect(named('RunWorkflow:agentWorkflow')).toHaveLength(1);
      // No span twice: replays in the second worker re-created the first worker's spans without sending them.
      expect(new Set(spans.map((span) => span.spanId)).size).toBe(spans.length);
      // Every model call once, each a child of its activity's span, with the GenAI attributes.
      const chats = named('chat scripted');
      expect(chats).toHaveLength(3);
      const runPlans = new Map(named('RunActivity:plan').map((span) => [span.spanId, span]));
      for (const chat of chats) {
        expect(runPlans.has(chat.parentSpanId ?? '')).toBe(true);
        expect(chat.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'scripted', 'temporal.activity.attempt': 1 });
        expect(chat.attributes['gen_ai.usage.input_tokens']).toEqual(expect.any(Number));
        expect(chat.attributes['gen_ai.usage.output_tokens']).toEqual(expect.any(Number));
      }
      expect(chats.map((chat) => chat.attributes['gen_ai.response.finish_reasons'])).toEqual(expect.arrayContaining([['tool_calls'], ['stop']]));
      // The tool calls: the fast one once; the slow one once per attempt that ended (the killed attempt sent nothing).
      const effects = readEffects(effectsLog);
      const tools = named('execute_tool effect');
      const fast = tools.filter((span) => span.attributes['gen_ai.tool.call.id'] === 's1-1');
      const slow = tools.filter((span) => span.attributes['gen_ai.tool.call.id'] === 's2-1');
      expect(fast).toHaveLength(1);
      const slowDone = effects.filter((line) => line.name === 'slow' && line.event === 'done').map((line) => line.attempt);
      expect(slow.map((span) => span.attributes['temporal.activity.attempt']).sort()).toEqual(slowDone.sort());
      expect(slowDone).not.toContain(1);
      for (const span of tools) expect(span.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'effect' });
      // Nothing of the prompt, the answer or the tool's output is recorded.
      expect(JSON.stringify(spans)).not.toContain('trace me');
      expect(JSON.stringify(spans)).not.toContain('"done"');
    } finally {
      for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      for (const key of Object.keys(tracingEnv)) delete process.env[key];
      await client.connection.close();
      await model.close();
      await receiver.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('a wait for an approval is one `wait approval` span, from the ask to the decision', async () => {
    const receiver = await startOtlpReceiver();
    const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'trace-test' };
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-trace-wait-'));
    const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'effect', arguments: { name: 'gated', ms: 10 } }] }, { content: 'done' }] }));
    const taskQueue = uniqueTaskQueue('trace-wait');
    const env = { ...process.env, ...tracingEnv, TEMPORAL_ADDRESS: testConfig().address, FAULT_TASK_QUEUE: taskQueue, FAULT_MODEL_URL: model.baseURL, FAULT_EFFECTS_LOG: join(folder, 'effects.log') };
    const client = await connectClient(testConfig());
    const worker = startWorkerProcess(env);
    try {
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'gated', requireApproval: ['effect'] }] });
      await until('the approval wait', async () => ((await handle.query(pendingQuery)).approvals.length === 1 ? true : undefined), 60_000, 100);
      await new Promise((resolve) => setTimeout(resolve, 600));
      await handle.executeUpdate(decideUpdate, { args: [{ callId: 's1-1', decision: 'approve' }] });
      expect(((await handle.result()) as AgentRunResult).status).toBe('final');
      worker.kill('SIGINT');
      await waitForExit(worker);
      const waits = receiver.spans.filter((span) => span.name === 'wait approval');
      expect(waits).toHaveLength(1);
      expect(waits[0]?.attributes).toMatchObject({ 'durable_agent.wait.kind': 'approval', 'gen_ai.tool.call.id': 's1-1', 'gen_ai.tool.name': 'effect', 'durable_agent.step': 1 });
      // In the run's trace (this test's client sends no spans: its process's tracing was shut down by the test before).
      const run = receiver.spans.find((span) => span.name === 'RunWorkflow:agentWorkflow');
      expect(waits[0]?.traceId).toBe(run?.traceId);
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await client.connection.close();
      await model.close();
      await receiver.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
