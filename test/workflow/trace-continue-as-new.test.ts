import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { AgentRunHandle } from '../../src/client';
import { connectClient } from '../../src/config/connect';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { activeTracing } from '../../src/observability/tracing';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import { startWorkerProcess, waitForExit } from '../helpers/fault-worker';
import { startOtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

const WORKER_SERVICE = 'trace-can-worker';
const CLIENT_SERVICE = 'trace-can-client';

/** The run ids of a workflow id's continue-as-new chain, first run first: from its latest run back, by history. */
async function chainRunIds(client: Client, workflowId: string): Promise<string[]> {
  const runIds = [(await client.workflow.getHandle(workflowId).describe()).runId];
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runIds[0]).fetchHistory();
    const previous = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runIds;
    runIds.unshift(previous);
  }
}

/** The workflow id a span names: the workflow's spans carry its info, activity attempts and GenAI spans their own keys. */
function workflowIdOf(span: ReceivedSpan): unknown {
  return span.attributes.workflowId ?? span.attributes.temporalWorkflowId ?? span.attributes['temporal.workflow_id'];
}

/** The span's ancestors among `spans`, nearest first; stops where a parent was not received. */
function ancestorsOf(span: ReceivedSpan, spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.map((each) => [each.spanId, each]));
  const chain: ReceivedSpan[] = [];
  for (let parent = byId.get(span.parentSpanId ?? ''); parent && chain.length < spans.length; parent = byId.get(parent.parentSpanId ?? '')) chain.push(parent);
  return chain;
}

/**
 * A run's trace across continue-as-new (docs/observability.md, "Traces"): a real dev server, a worker process and a
 * client with tracing on, spans to an OTLP receiver on loopback. The trace context goes from one run of the chain to
 * the next in the continue-as-new command's header (OpenTelemetry's workflow interceptors), and a wait for people that
 * is open at a handover is sent once, by the run where it ended (src/workflows/agent/wait-spans.ts).
 */
describe('traces: one trace across continue-as-new', () => {
  jest.setTimeout(180_000);

  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let client: Client;
  let folder: string;
  const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: CLIENT_SERVICE };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracingEnv.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
    // This process's client opens each run's trace (tracing is set up once per process, from these variables).
    Object.assign(process.env, tracingEnv);
    client = await connectClient(testConfig());
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-trace-can-'));
  });

  afterAll(async () => {
    await activeTracing()?.shutdown();
    for (const key of Object.keys(tracingEnv)) delete process.env[key];
    await client.connection.close();
    await receiver.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /** Runs `body` with a worker process that traces to the receiver; the worker is stopped cleanly (its spans flushed) after. */
  async function withTracedWorker<T>(label: string, script: Parameters<typeof compileScript>[0], body: (taskQueue: string, model: ScriptedModelServer) => Promise<T>): Promise<T> {
    const model = await startScriptedModel(compileScript(script));
    const taskQueue = uniqueTaskQueue(label);
    const env = {
      ...process.env,
      ...tracingEnv,
      OTEL_SERVICE_NAME: WORKER_SERVICE,
      TEMPORAL_ADDRESS: testConfig().address,
      FAULT_TASK_QUEUE: taskQueue,
      FAULT_MODEL_URL: model.baseURL,
      FAULT_EFFECTS_LOG: join(folder, `${label}-effects.log`),
    };
    const worker: ChildProcess = startWorkerProcess(env);
    try {
      const value = await body(taskQueue, model);
      // SIGINT: the worker stops and flushes what it buffered; the client's spans are flushed here.
      worker.kill('SIGINT');
      await waitForExit(worker);
      await activeTracing()?.spanProcessor.forceFlush();
      return value;
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await model.close();
    }
  }

  /** The spans of one run: the client's `StartWorkflow` for its workflow id, and every span of that trace. */
  function runSpans(workflowId: string): { root: ReceivedSpan; spans: ReceivedSpan[] } {
    const roots = receiver.spans.filter((span) => span.name === 'StartWorkflow:agentWorkflow' && span.attributes.temporalWorkflowId === workflowId);
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    return { root, spans: receiver.spans.filter((span) => span.traceId === root.traceId) };
  }

  /**
   * The worker's spans that name the workflow id are exactly the trace's spans but the client's root; none twice. (The
   * client's Updates, `raiseBudget` and `decide`, are spans of their own traces: the workflow does not trace Updates,
   * src/workflows/tracing-interceptors.ts.)
   */
  function expectOneTrace(workflowId: string, root: ReceivedSpan, spans: readonly ReceivedSpan[]): void {
    const workerSpans = receiver.spans.filter((span) => span.service === WORKER_SERVICE && workflowIdOf(span) === workflowId);
    expect(workerSpans.length).toBeGreaterThan(0);
    expect(new Set(workerSpans.map((span) => span.traceId))).toEqual(new Set([root.traceId]));
    expect(spans.filter((span) => span !== root).sort((a, b) => a.spanId.localeCompare(b.spanId))).toEqual([...workerSpans].sort((a, b) => a.spanId.localeCompare(b.spanId)));
    expect(new Set(spans.map((span) => span.spanId)).size).toBe(spans.length);
  }

  it('a run that continues as new is one trace: each run\'s spans, the next run under the handover\'s ContinueAsNew span', async () => {
    const steps = 6;
    const script = { turns: [{ toolCalls: [{ name: 'effect', arguments: { name: 'step', ms: 10 } }], repeat: steps - 1 }, { content: 'done' }] };
    const { workflowId, result, runIds, modelCalls } = await withTracedWorker('trace-can', script, async (taskQueue, model) => {
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'a traced long run', maxSteps: steps + 1, continueAsNewAtHistoryBytes: 10_000 }] });
      const outcome = (await handle.result()) as AgentRunResult;
      return { workflowId: handle.workflowId, result: outcome, runIds: await chainRunIds(client, handle.workflowId), modelCalls: model.requests.filter((request) => request.status === 200).length };
    });
    expect(result).toMatchObject({ status: 'final', steps, toolCalls: { ok: steps - 1, failed: 0 }, usage: { modelCalls: steps } });
    expect(modelCalls).toBe(steps);
    // The chain: two or more Temporal runs of one workflow id.
    expect(runIds.length).toBeGreaterThanOrEqual(2);

    const { root, spans } = runSpans(workflowId);
    const named = (name: string) => spans.filter((span) => span.name === name);
    // Every span the worker sent for this workflow id (any run of the chain) is in the client's trace, and the trace
    // holds nothing else.
    expectOneTrace(workflowId, root, spans);
    // One RunWorkflow span per run of the chain, each tagged with its run id (the worker's sink adds the workflow's info).
    const runSpansByRun = new Map(named('RunWorkflow:agentWorkflow').map((span) => [span.attributes.runId, span]));
    expect(named('RunWorkflow:agentWorkflow')).toHaveLength(runIds.length);
    expect([...runSpansByRun.keys()].sort()).toEqual([...runIds].sort());
    // The first run is the client's start span's child; each later run is the child of the ContinueAsNew span of the
    // run before it, itself a child of that run's RunWorkflow span: a chain, not siblings and not new traces.
    expect(runSpansByRun.get(runIds[0])?.parentSpanId).toBe(root.spanId);
    const handovers = named('ContinueAsNew:agentWorkflow');
    expect(handovers).toHaveLength(runIds.length - 1);
    for (let index = 1; index < runIds.length; index += 1) {
      const previous = runSpansByRun.get(runIds[index - 1])!;
      const current = runSpansByRun.get(runIds[index])!;
      const handover = handovers.find((span) => span.spanId === current.parentSpanId);
      expect(handover).toBeDefined();
      expect(handover?.attributes.runId).toBe(previous.attributes.runId);
      expect(handover?.parentSpanId).toBe(previous.spanId);
      expect(ancestorsOf(current, spans).at(-1)?.spanId).toBe(root.spanId);
    }
    // Every span but the root has its parent in the trace, and reaches the root: nothing is cut off from the run.
    for (const span of spans.filter((each) => each !== root)) expect(ancestorsOf(span, spans).at(-1)?.spanId).toBe(root.spanId);
    // Activities of every run: each attempt under its StartActivity span, the GenAI spans under the attempts.
    const startActivities = new Map(spans.filter((span) => span.name.startsWith('StartActivity:')).map((span) => [span.spanId, span]));
    const runActivities = new Map(spans.filter((span) => span.name.startsWith('RunActivity:')).map((span) => [span.spanId, span]));
    for (const attempt of runActivities.values()) expect(startActivities.get(attempt.parentSpanId ?? '')?.name).toBe(attempt.name.replace('RunActivity:', 'StartActivity:'));
    const chats = named('chat scripted');
    expect(chats).toHaveLength(result.usage.modelCalls);
    for (const chat of chats) expect(runActivities.get(chat.parentSpanId ?? '')?.name).toBe('RunActivity:plan');
    const tools = named('execute_tool effect');
    expect(tools).toHaveLength(result.toolCalls.ok);
    for (const tool of tools) expect(runActivities.get(tool.parentSpanId ?? '')?.name).toMatch(/^RunActivity:/);
    // Model calls of every run of the chain are in it, each run's under its own RunWorkflow span.
    const chatRuns = new Set(chats.map((chat) => ancestorsOf(chat, spans).find((span) => span.name === 'RunWorkflow:agentWorkflow')?.attributes.runId));
    expect([...chatRuns].sort()).toEqual([...runIds].sort());
  });

  it('an approval wait open across a handover is one `wait approval` span, from the ask in the first run to the decision in the next', async () => {
    const script = { turns: [{ toolCalls: [{ name: 'effect', arguments: { name: 'gated', ms: 10 } }] }, { content: 'done' }] };
    const { workflowId, result, runIds, askedAt } = await withTracedWorker('trace-can-wait', script, async (taskQueue) => {
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'gated', requireApproval: ['effect'], continueAsNewAfterUpdates: 10 }] });
      const run = new AgentRunHandle(client, handle.workflowId, 'default');
      const asked = await until('the approval wait', async () => (await run.pending()).approvals[0], 60_000, 100);
      // Updates that leave the wait open, past the handover threshold: the waiting run hands over (handover.ts).
      for (let index = 0; index < 12; index += 1) await run.raiseBudget({ maxWallTimeMs: 3_600_000 + index });
      await until('a handover while waiting', async () => ((await chainRunIds(client, handle.workflowId)).length >= 2 ? true : undefined), 60_000, 100);
      // The next run lists the call again once it is back in its step (a moment after the handover).
      await until('the next run waiting', async () => ((await run.pending()).approvals.length > 0 ? true : undefined), 60_000, 100);
      expect((await run.pending()).approvals).toMatchObject([{ callId: 's1-1' }]);
      await run.approve('s1-1');
      const outcome = (await client.workflow.getHandle(handle.workflowId).result()) as AgentRunResult;
      return { workflowId: handle.workflowId, result: outcome, runIds: await chainRunIds(client, handle.workflowId), askedAt: asked.askedAt };
    });
    expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
    expect(runIds.length).toBeGreaterThanOrEqual(2);

    const { root, spans } = runSpans(workflowId);
    expectOneTrace(workflowId, root, spans);
    // One wait span for the whole wait: not ended (so not sent) by the run that handed over, sent by the one that decided.
    const waits = receiver.spans.filter((span) => span.name === 'wait approval');
    expect(waits).toHaveLength(1);
    const wait = waits[0]!;
    expect(wait.traceId).toBe(root.traceId);
    expect(wait.attributes).toMatchObject({ 'durable_agent.wait.kind': 'approval', 'gen_ai.tool.call.id': 's1-1', 'gen_ai.tool.name': 'effect', 'durable_agent.step': 1, 'durable_agent.wait.outcome': expect.any(String), runId: runIds.at(-1) });
    expect(wait.attributes['durable_agent.wait.open']).toBeUndefined();
    // It begins when the first run asked, before the handover, and ends with the decision in the last run.
    const handover = spans.find((span) => span.name === 'ContinueAsNew:agentWorkflow' && span.attributes.runId === runIds[0]);
    expect(wait.startTimeMs).toBeDefined();
    expect(Math.abs(wait.startTimeMs! - askedAt)).toBeLessThanOrEqual(1);
    expect(wait.startTimeMs!).toBeLessThan(handover?.endTimeMs ?? 0);
    expect(wait.endTimeMs!).toBeGreaterThan(handover?.endTimeMs ?? Infinity);
    // Its parent is the RunWorkflow span of the run that ended it.
    expect(spans.find((span) => span.spanId === wait.parentSpanId)).toMatchObject({ name: 'RunWorkflow:agentWorkflow', attributes: { runId: runIds.at(-1) } });
  });

  it('a wait whose ask fell out of the carried events is still one `wait approval` span: the next runs begin it from the carried gates', async () => {
    // One answer of 1 + 150 gated calls: 153 events (step, answer, 151 asks), then 3 an approval (decided, started,
    // finished). A handover carries the log's newest 200 events (EventLog.carry), so once about 20 calls are approved
    // the ask of `s1-1`, decided last, is in no run's carried events: only the carried gates know it still waits.
    const calls = 151;
    const script = { turns: [{ toolCalls: Array.from({ length: calls }, (_, index) => ({ name: 'effect', arguments: { name: `gated-${index + 1}`, ms: 1 } })) }, { content: 'done' }] };
    const { workflowId, result, runIds, asked, firstAsk, firstKept } = await withTracedWorker('trace-can-old-gate', script, async (taskQueue) => {
      const handle = await client.workflow.start('agentWorkflow', {
        taskQueue,
        workflowId: `${taskQueue}-run`,
        args: [{ goal: 'many gated calls', requireApproval: ['effect'], maxCallsPerAnswer: calls, continueAsNewAfterUpdates: 10 }],
      });
      const run = new AgentRunHandle(client, handle.workflowId, 'default');
      const approvals = await until('every approval wait', async () => {
        const pending = (await run.pending()).approvals;
        return pending.length === calls ? pending : undefined;
      }, 60_000, 100);
      // The ask of `s1-1` as the first run logged it (its `at` is the wait's start).
      const logged = await run.eventPage({ from: 0, limit: 500 });
      expect(logged.firstKept).toBe(0);
      const ask = logged.events.find((event) => event.type === 'approval_needed' && event.callId === 's1-1');
      // Approved one by one, `s1-1` left waiting: the run hands over at its first quiet point after 10 Updates (handover.ts).
      for (let index = 2; index <= calls; index += 1) await run.approve(`s1-${index}`);
      // One more handover, after the last of those decisions (450 events after the ask): Updates that leave the wait open.
      const before = (await chainRunIds(client, handle.workflowId)).length;
      for (let index = 0; index < 10; index += 1) await run.raiseBudget({ maxWallTimeMs: 3_600_000 + index });
      await until('a handover after the decisions', async () => ((await chainRunIds(client, handle.workflowId)).length > before ? true : undefined), 60_000, 100);
      // The new run lists its carried gates once it is back in its step (after its first workflow task).
      await until('the last run waiting', async () => ((await run.pending()).approvals.length > 0 ? true : undefined), 60_000, 100);
      expect((await run.pending()).approvals).toMatchObject([{ callId: 's1-1' }]);
      // The run that decides `s1-1` began from carried events that no longer hold its ask.
      const current = await run.eventPage({ from: 0, limit: 1 });
      await run.approve('s1-1');
      const outcome = (await client.workflow.getHandle(handle.workflowId).result()) as AgentRunResult;
      return { workflowId: handle.workflowId, result: outcome, runIds: await chainRunIds(client, handle.workflowId), asked: new Map(approvals.map((call) => [call.callId, call.askedAt])), firstAsk: ask, firstKept: current.firstKept };
    });
    expect(result).toMatchObject({ status: 'final', toolCalls: { ok: calls, failed: 0 } });
    expect(firstAsk).toMatchObject({ type: 'approval_needed', callId: 's1-1', step: 1 });
    // The last run's log starts with the 200 events carried to it: `s1-1` was asked more than 200 events before its handover.
    expect(firstKept).toBeGreaterThan(firstAsk!.offset);
    expect(runIds.length).toBeGreaterThanOrEqual(2);

    const { root, spans } = runSpans(workflowId);
    expectOneTrace(workflowId, root, spans);
    // One span per wait, none twice, each ended by its decision (none left open), each from when its call was asked.
    const waits = receiver.spans.filter((span) => span.name === 'wait approval' && span.traceId === root.traceId);
    expect(receiver.spans.filter((span) => span.name === 'wait approval' && workflowIdOf(span) === workflowId)).toHaveLength(calls);
    expect(waits).toHaveLength(calls);
    expect(new Set(waits.map((span) => span.spanId)).size).toBe(calls);
    expect(waits.map((span) => span.attributes['gen_ai.tool.call.id']).sort()).toEqual([...asked.keys()].sort());
    for (const wait of waits) {
      expect(wait.attributes).toMatchObject({ 'durable_agent.wait.kind': 'approval', 'gen_ai.tool.name': 'effect', 'durable_agent.step': 1, 'durable_agent.wait.outcome': 'approved' });
      expect(wait.attributes['durable_agent.wait.open']).toBeUndefined();
      expect(Math.abs(wait.startTimeMs! - asked.get(wait.attributes['gen_ai.tool.call.id'] as string)!)).toBeLessThanOrEqual(1);
    }
    // `s1-1`'s span: from its ask in the first run, to its decision after the last handover, sent by the last run.
    const first = waits.find((span) => span.attributes['gen_ai.tool.call.id'] === 's1-1')!;
    expect(Math.abs(first.startTimeMs! - firstAsk!.at)).toBeLessThanOrEqual(1);
    expect(first.startTimeMs!).toBeLessThan(spans.find((span) => span.name === 'ContinueAsNew:agentWorkflow' && span.attributes.runId === runIds[0])?.endTimeMs ?? 0);
    // Sent by the run that took the decision, after the handover that began it. That run is usually the last, but the
    // handover the 10th budget raise asks for may come after the decision (at the run's next quiet point).
    const decider = spans.find((span) => span.spanId === first.parentSpanId);
    expect(decider).toMatchObject({ name: 'RunWorkflow:agentWorkflow' });
    const deciderIndex = runIds.indexOf(decider?.attributes.runId as string);
    expect(deciderIndex).toBeGreaterThanOrEqual(runIds.length - 2);
    const handedOver = spans.find((span) => span.name === 'ContinueAsNew:agentWorkflow' && span.attributes.runId === runIds[deciderIndex - 1]);
    expect(first.endTimeMs!).toBeGreaterThan(handedOver?.endTimeMs ?? Infinity);
  });
});
