import { temporal } from '@temporalio/proto';
import type { Script } from '../src/scripted-model/script';
import { runPlainExecutor } from './baseline-executor';
import { bareStepTimes, bareWorker, benchSleepTool, eventMs, eventsOf, percentile, planTimes, toolBatchTimes, type Harness, type HistoryEvent } from './harness';
import { checkPeerResult, modelCallTimes, type PeerResult, type PeerWorker } from './peer';

const work = (ms: number, bytes = 16) => ({ name: 'work', arguments: { ms, bytes } });

/** `steps` turns of `calls` parallel tool calls of `callMs` each, then the answer `done`: sections 2 and 3. */
export function stepsScript(steps: number, calls: number, callMs: number): Script {
  return { turns: [{ toolCalls: Array.from({ length: calls }, () => work(callMs)), repeat: steps }, { content: 'done' }] };
}

/** The peer's scripted model names (`scriptsByModel`) for sections 2 and 3. */
export const PEER_MODELS = { overhead: 'overhead', throughput: 'throughput' } as const;

/** Runs the peer's `aiSdkAgent` workflow (its own worker and task queue, same dev server) and checks its result. */
async function runPeer(harness: Harness, peer: PeerWorker, workflowId: string, model: string, steps: number, calls: number) {
  const handle = await harness.client.workflow.start('aiSdkAgent', {
    taskQueue: peer.taskQueue,
    workflowId,
    args: [{ goal: workflowId, model, maxSteps: steps + 1, maxParallel: calls }],
  });
  checkPeerResult((await handle.result()) as PeerResult, steps, calls);
  return handle;
}

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

export interface StepTimes {
  p50: number;
  p95: number;
}

export interface OverheadFigures {
  steps: number;
  calls: number;
  callMs: number;
  samples: number;
  baseline: StepTimes;
  durable: StepTimes;
  overheadP50: number;
  overheadP95: number;
  ratioP50: number;
  /** The bare workflow (the same activities, an empty "plan" activity, no agent logic): the engine's floor. */
  bare?: StepTimes & { samples: number; overheadP50: number; overheadP95: number; ratioP50: number };
  /** durable-agent with `planner: 'local'`: step time = a step's first tool call scheduled → the next step's. */
  local?: StepTimes & { samples: number; overheadP50: number; overheadP95: number; ratioP50: number };
  /** The peer on the same server, when it ran: step time = model call `k` scheduled → `k+1` scheduled, from history. */
  peer?: StepTimes & { label: string; samples: number; overheadP50: number; overheadP95: number; ratioP50: number };
  /** Why the peer was not measured, when it was asked for and failed. */
  peerError?: string;
}

/**
 * 2. The same scripted agent run by the plain in-process executor, by durable-agent and (when given) by the peer,
 * one after the other in each repeat.
 */
export async function engineOverhead(harness: Harness, steps: number, calls: number, callMs: number, repeats: number, peer?: PeerWorker): Promise<OverheadFigures> {
  const script = stepsScript(steps, calls, callMs);
  const baselineSteps: number[] = [];
  const durableSteps: number[] = [];
  const localSteps: number[] = [];
  const peerSteps: number[] = [];
  const bareSteps: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    const bareQueue = `bench-overhead-bare-${process.pid}-${repeat}`;
    const bare = await bareWorker(harness, bareQueue);
    await bare.runUntil(async () => {
      const handle = await harness.client.workflow.start('bareWorkflow', { taskQueue: bareQueue, workflowId: `${bareQueue}-run`, args: [{ steps, calls, callMs }] });
      await handle.result();
      const plans = bareStepTimes(await eventsOf(handle));
      for (let step = 0; step < steps; step += 1) bareSteps.push((plans[step + 1] ?? 0) - (plans[step] ?? 0));
    });
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
      const local = await harness.client.workflow.start('agentWorkflow', {
        taskQueue: agent.taskQueue,
        workflowId: `${agent.taskQueue}-overhead-local`,
        args: [{ goal: `overhead ${repeat}`, maxSteps: steps + 1, maxParallel: calls, planner: 'local' }],
      });
      await local.result();
      const batches = toolBatchTimes(await eventsOf(local), 'work');
      for (let step = 0; step + 1 < batches.length; step += 1) localSteps.push((batches[step + 1] ?? 0) - (batches[step] ?? 0));
    });
    if (peer) {
      const handle = await runPeer(harness, peer, `${peer.taskQueue}-overhead-${repeat}`, PEER_MODELS.overhead, steps, calls);
      const modelCalls = modelCallTimes(await eventsOf(handle));
      for (let step = 0; step < steps; step += 1) peerSteps.push((modelCalls[step + 1] ?? 0) - (modelCalls[step] ?? 0));
    }
  }
  const baseline = { p50: percentile(baselineSteps, 50), p95: percentile(baselineSteps, 95) };
  const durable = { p50: percentile(durableSteps, 50), p95: percentile(durableSteps, 95) };
  const peerTimes = { p50: percentile(peerSteps, 50), p95: percentile(peerSteps, 95) };
  const localTimes = { p50: percentile(localSteps, 50), p95: percentile(localSteps, 95) };
  const bareTimes = { p50: percentile(bareSteps, 50), p95: percentile(bareSteps, 95) };
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
    bare: { ...bareTimes, samples: bareSteps.length, overheadP50: bareTimes.p50 - baseline.p50, overheadP95: bareTimes.p95 - baseline.p95, ratioP50: bareTimes.p50 / baseline.p50 },
    local: { ...localTimes, samples: localSteps.length, overheadP50: localTimes.p50 - baseline.p50, overheadP95: localTimes.p95 - baseline.p95, ratioP50: localTimes.p50 / baseline.p50 },
    ...(peer
      ? {
          peer: {
            label: peer.label,
            samples: peerSteps.length,
            ...peerTimes,
            overheadP50: peerTimes.p50 - baseline.p50,
            overheadP95: peerTimes.p95 - baseline.p95,
            ratioP50: peerTimes.p50 / baseline.p50,
          },
        }
      : {}),
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
