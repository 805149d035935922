import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPlainExecutor } from './baseline-executor';
import { benchSleepTool, eventMs, eventsOf, percentile, planTimes, type Harness, type HistoryEvent } from './harness';

const work = (ms: number, bytes = 16) => ({ name: 'work', arguments: { ms, bytes } });

/** Window of one step's tool calls: first tool scheduled → last tool completed, from history. */
function toolWindowMs(events: readonly HistoryEvent[]): number {
  const scheduled = new Map<string, number>();
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'work') {
      scheduled.set(String(event.eventId), eventMs(event));
      first = Math.min(first, eventMs(event));
    }
    const completed = event.activityTaskCompletedEventAttributes?.scheduledEventId;
    if (completed !== undefined && completed !== null && scheduled.has(String(completed))) last = Math.max(last, eventMs(event));
  }
  return last - first;
}

export interface ParallelFigures {
  calls: number;
  callMs: number;
  parallelStepMs: number;
  sequentialStepMs: number;
  speedup: number;
}

/** 1. One step with N tool calls that each sleep: maxParallel N versus 1. */
export async function parallelSpeedup(harness: Harness, calls: number, callMs: number): Promise<ParallelFigures> {
  const script = { turns: [{ toolCalls: Array.from({ length: calls }, () => work(callMs)) }, { content: 'done' }] };
  const stepMs = async (maxParallel: number) => {
    const agent = await harness.agentWorker(script);
    return agent.run(async () => {
      const handle = await harness.client.workflow.start('agentWorkflow', { taskQueue: agent.taskQueue, workflowId: `${agent.taskQueue}-parallel`, args: [{ goal: 'parallel', maxParallel }] });
      await handle.result();
      return toolWindowMs(await eventsOf(handle));
    });
  };
  const parallelStepMs = await stepMs(calls);
  const sequentialStepMs = await stepMs(1);
  return { calls, callMs, parallelStepMs, sequentialStepMs, speedup: sequentialStepMs / parallelStepMs };
}

export interface OverheadFigures {
  steps: number;
  calls: number;
  callMs: number;
  samples: number;
  baseline: { p50: number; p95: number };
  durable: { p50: number; p95: number };
  overheadP50: number;
  overheadP95: number;
  ratioP50: number;
}

/** 2. The same scripted agent run by the plain in-process executor and by durable-agent. */
export async function engineOverhead(harness: Harness, steps: number, calls: number, callMs: number, repeats: number): Promise<OverheadFigures> {
  const script = { turns: [{ toolCalls: Array.from({ length: calls }, () => work(callMs)), repeat: steps }, { content: 'done' }] };
  const baselineSteps: number[] = [];
  const durableSteps: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    const agent = await harness.agentWorker(script);
    await agent.run(async () => {
      const plain = await runPlainExecutor({ baseURL: agent.model.baseURL, goal: `overhead ${repeat}`, tools: [benchSleepTool], maxSteps: steps + 1, maxParallel: calls });
      baselineSteps.push(...plain.stepDurationsMs.slice(0, steps));
      const handle = await harness.client.workflow.start('agentWorkflow', {
        taskQueue: agent.taskQueue,
        workflowId: `${agent.taskQueue}-overhead`,
        args: [{ goal: `overhead ${repeat}`, maxSteps: steps + 1, maxParallel: calls }],
      });
      await handle.result();
      const plans = planTimes(await eventsOf(handle));
      for (let step = 0; step < steps; step += 1) durableSteps.push((plans[step + 1] ?? 0) - (plans[step] ?? 0));
    });
  }
  const baseline = { p50: percentile(baselineSteps, 50), p95: percentile(baselineSteps, 95) };
  const durable = { p50: percentile(durableSteps, 50), p95: percentile(durableSteps, 95) };
  return {
    steps,
    calls,
    callMs,
    samples: durableSteps.length,
    baseline,
    durable,
    overheadP50: durable.p50 - baseline.p50,
    overheadP95: durable.p95 - baseline.p95,
    ratioP50: durable.p50 / baseline.p50,
  };
}

export interface ThroughputFigures {
  runs: number;
  steps: number;
  calls: number;
  callMs: number;
  agent: { wallMs: number; runsPerSecond: number; activitiesPerSecond: number; toolCallsPerSecond: number };
  bare: { wallMs: number; runsPerSecond: number; activitiesPerSecond: number };
  ratio: number;
}

/** 3. Many concurrent agents on one worker, beside a bare workflow that schedules the same activities. */
export async function throughput(harness: Harness, runs: number, steps: number, calls: number, callMs: number): Promise<ThroughputFigures> {
  const script = { turns: [{ toolCalls: Array.from({ length: calls }, () => work(callMs)), repeat: steps }, { content: 'done' }] };
  const activitiesPerRun = 1 + steps * (1 + calls) + 1;
  const agent = await harness.agentWorker(script);
  const agentWallMs = await agent.run(async () => {
    const started = performance.now();
    const handles = await Promise.all(
      Array.from({ length: runs }, (_, index) =>
        harness.client.workflow.start('agentWorkflow', { taskQueue: agent.taskQueue, workflowId: `${agent.taskQueue}-${index}`, args: [{ goal: `throughput ${index}`, maxParallel: calls, maxSteps: steps + 1 }] }),
      ),
    );
    await Promise.all(handles.map((handle) => handle.result()));
    return performance.now() - started;
  });

  const bareQueue = `${agent.taskQueue}-bare`;
  const bareWorker = await Worker.create({
    connection: harness.connection,
    taskQueue: bareQueue,
    workflowBundle: { codePath: harness.bundlePath },
    activities: { trivial: async (ms: number) => (ms > 0 ? sleep(ms).then(() => ms) : ms) },
    maxConcurrentActivityTaskExecutions: harness.config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: harness.config.worker.maxConcurrentWorkflowTasks,
  });
  const bareWallMs = await bareWorker.runUntil(async () => {
    const started = performance.now();
    const handles = await Promise.all(
      Array.from({ length: runs }, (_, index) =>
        harness.client.workflow.start('bareWorkflow', { taskQueue: bareQueue, workflowId: `${bareQueue}-${index}`, args: [{ steps, calls, callMs }] }),
      ),
    );
    await Promise.all(handles.map((handle) => handle.result()));
    return performance.now() - started;
  });
  const perSecond = (count: number, ms: number) => (count * 1000) / ms;
  return {
    runs,
    steps,
    calls,
    callMs,
    agent: {
      wallMs: agentWallMs,
      runsPerSecond: perSecond(runs, agentWallMs),
      activitiesPerSecond: perSecond(runs * activitiesPerRun, agentWallMs),
      toolCallsPerSecond: perSecond(runs * steps * calls, agentWallMs),
    },
    bare: { wallMs: bareWallMs, runsPerSecond: perSecond(runs, bareWallMs), activitiesPerSecond: perSecond(runs * activitiesPerRun, bareWallMs) },
    ratio: perSecond(runs, agentWallMs) / perSecond(runs, bareWallMs),
  };
}

export interface HistoryFigures {
  steps: number;
  toolBytes: number;
  firstStepBytes: number;
  lastStepBytes: number;
  lastOverFirst: number;
  totalBytes: number;
  perStepBytes: number[];
}

/** 4. History bytes per step across a long run whose tools return 4 KB each. */
export async function historyGrowth(harness: Harness, steps: number, toolBytes: number): Promise<HistoryFigures> {
  const script = { turns: [{ toolCalls: [work(0, toolBytes)], repeat: steps }, { content: 'done' }] };
  const agent = await harness.agentWorker(script);
  const events = await agent.run(async () => {
    const handle = await harness.client.workflow.start('agentWorkflow', { taskQueue: agent.taskQueue, workflowId: `${agent.taskQueue}-history`, args: [{ goal: 'history', maxSteps: steps + 1 }] });
    await handle.result();
    return eventsOf(handle);
  });
  const perStepBytes: number[] = [];
  let totalBytes = 0;
  for (const event of events) {
    const size = temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
    totalBytes += size;
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'plan') perStepBytes.push(0);
    if (perStepBytes.length > 0) perStepBytes[perStepBytes.length - 1] = (perStepBytes.at(-1) ?? 0) + size;
  }
  const toolSteps = perStepBytes.slice(0, steps);
  const firstStepBytes = toolSteps[0] ?? 0;
  const lastStepBytes = toolSteps.at(-1) ?? 0;
  return { steps, toolBytes, firstStepBytes, lastStepBytes, lastOverFirst: lastStepBytes / firstStepBytes, totalBytes, perStepBytes: toolSteps };
}
