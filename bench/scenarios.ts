import { temporal } from '@temporalio/proto';
import type { Script } from '../src/scripted-model/script';
import { runPlainExecutor } from './baseline-executor';
import { bareStepTimes, bareWorker, benchSleepTool, eventMs, eventsOf, localActivityOf, percentile, planTimes, toolBatchTimes, type Harness, type HistoryEvent } from './harness';
import { checkPeerResult, modelCallTimes, type PeerResult, type PeerWorker } from './peer';
import type { LangGraphPeer } from './peer-langgraph';

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

/** One mode's step times against the baseline's. */
export type ModeTimes = StepTimes & { samples: number; overheadP50: number; overheadP95: number; ratioP50: number };

export interface OverheadFigures {
  steps: number;
  calls: number;
  callMs: number;
  samples: number;
  baseline: StepTimes;
  /**
   * durable-agent with its defaults: the `auto` planner (a local model call; the bench's model answers within the
   * hand-off time), the bench's `work` tool on the fast path (docs/fast-steps.md). Step time as for `local`.
   */
  durable: StepTimes;
  overheadP50: number;
  overheadP95: number;
  ratioP50: number;
  /** durable-agent with `planner: 'activity'` and `fastTools: false`: every call an activity task, as before fast steps. */
  activities?: ModeTimes;
  /** The bare workflow (the same activities, an empty "plan" activity, no agent logic): the engine's floor. */
  bare?: ModeTimes;
  /** durable-agent with `planner: 'local'` (and fast tools): step time = a step's first tool call scheduled → the next step's. */
  local?: ModeTimes;
  /** The peer on the same server, when it ran: step time = model call `k` scheduled → `k+1` scheduled, from history. */
  peer?: ModeTimes & { label: string };
  /** Why the peer was not measured, when it was asked for and failed. */
  peerError?: string;
  /** LangGraph with a SQLite checkpointer on a file, in its own process (bench/peers/langgraph), when it ran. */
  langgraph?: ModeTimes & { label: string };
  /** Why LangGraph was not measured, when it was asked for and failed. */
  langgraphError?: string;
  /** The planner of durable-agent's defaults when measured: `auto` (absent: the activity planner, before it). */
  defaultPlanner?: 'auto';
}

/** The input that runs an agent as before fast steps: the model and every tool call as activity tasks. */
export const BEFORE_FAST_STEPS = { planner: 'activity', fastTools: false } as const;

/** p50 and p95 of a mode's step times, and how far they are from the baseline's. */
function modeTimes(samples: readonly number[], baseline: StepTimes): ModeTimes {
  const p50 = percentile(samples, 50);
  const p95 = percentile(samples, 95);
  return { p50, p95, samples: samples.length, overheadP50: p50 - baseline.p50, overheadP95: p95 - baseline.p95, ratioP50: p50 / baseline.p50 };
}

/** Step `k`'s duration from the times each step started (`starts[k + 1] - starts[k]`), for the first `steps` steps there are. */
function stepDurations(starts: readonly number[], steps: number): number[] {
  return Array.from({ length: Math.min(steps, starts.length - 1) }, (_, step) => (starts[step + 1] ?? 0) - (starts[step] ?? 0));
}

/**
 * 2. The same scripted agent run by the plain in-process executor, by durable-agent (its defaults, every call an
 * activity, the local planner), by the bare workflow and (when given) by the peers, one after the other in each repeat.
 */
export async function engineOverhead(harness: Harness, steps: number, calls: number, callMs: number, repeats: number, peer?: PeerWorker, langgraph?: LangGraphPeer): Promise<OverheadFigures> {
  const script = stepsScript(steps, calls, callMs);
  const samples = { baseline: [] as number[], durable: [] as number[], activities: [] as number[], local: [] as number[], peer: [] as number[], bare: [] as number[], langgraph: [] as number[] };
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    const bareQueue = `bench-overhead-bare-${process.pid}-${repeat}`;
    const bare = await bareWorker(harness, bareQueue);
    await bare.runUntil(async () => {
      const handle = await harness.client.workflow.start('bareWorkflow', { taskQueue: bareQueue, workflowId: `${bareQueue}-run`, args: [{ steps, calls, callMs }] });
      await handle.result();
      samples.bare.push(...stepDurations(bareStepTimes(await eventsOf(handle)), steps));
    });
    const agent = await harness.agentWorker(script);
    await agent.run(async () => {
      const plain = await runPlainExecutor({ baseURL: agent.model.baseURL, goal: `overhead ${repeat}`, tools: [benchSleepTool], maxSteps: steps + 1, maxParallel: calls });
      samples.baseline.push(...plain.stepDurationsMs.slice(0, steps));
      const runAgent = async (name: string, extra: Record<string, unknown>) => {
        const handle = await harness.client.workflow.start('agentWorkflow', {
          taskQueue: agent.taskQueue,
          workflowId: `${agent.taskQueue}-overhead-${name}`,
          args: [{ goal: `overhead ${repeat}`, maxSteps: steps + 1, maxParallel: calls, ...extra }],
        });
        await handle.result();
        return eventsOf(handle);
      };
      // The first run on a fresh worker pays its warm-up (the JIT, the workflow bundle's first runs): not measured.
      await runAgent('warm-up', {});
      samples.durable.push(...stepDurations(toolBatchTimes(await runAgent('default', {}), 'work'), steps));
      samples.activities.push(...stepDurations(planTimes(await runAgent('activities', BEFORE_FAST_STEPS)), steps));
      samples.local.push(...stepDurations(toolBatchTimes(await runAgent('local', { planner: 'local' }), 'work'), steps));
    });
    if (peer) {
      const handle = await runPeer(harness, peer, `${peer.taskQueue}-overhead-${repeat}`, PEER_MODELS.overhead, steps, calls);
      samples.peer.push(...stepDurations(modelCallTimes(await eventsOf(handle)), steps));
    }
    if (langgraph) samples.langgraph.push(...(await langgraph.overheadSteps(steps, calls, callMs)).slice(0, steps));
  }
  const baseline = { p50: percentile(samples.baseline, 50), p95: percentile(samples.baseline, 95) };
  const durable = modeTimes(samples.durable, baseline);
  return {
    defaultPlanner: 'auto',
    steps,
    calls,
    callMs,
    samples: durable.samples,
    baseline,
    durable: { p50: durable.p50, p95: durable.p95 },
    overheadP50: durable.overheadP50,
    overheadP95: durable.overheadP95,
    ratioP50: durable.ratioP50,
    activities: modeTimes(samples.activities, baseline),
    bare: modeTimes(samples.bare, baseline),
    local: modeTimes(samples.local, baseline),
    ...(peer ? { peer: { label: peer.label, ...modeTimes(samples.peer, baseline) } } : {}),
    ...(langgraph ? { langgraph: { label: langgraph.label, ...modeTimes(samples.langgraph, baseline) } } : {}),
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
    // A step starts with its model call: the `plan` activity, or with the default planner a local activity's marker.
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'plan' || localActivityOf(event)?.activityType === 'plan') perStepBytes.push(0);
    if (perStepBytes.length > 0) perStepBytes[perStepBytes.length - 1] = (perStepBytes.at(-1) ?? 0) + size;
  }
  const toolSteps = perStepBytes.slice(0, steps);
  const firstStepBytes = toolSteps[0] ?? 0;
  const lastStepBytes = toolSteps.at(-1) ?? 0;
  return { steps, toolBytes, firstStepBytes, lastStepBytes, lastOverFirst: lastStepBytes / firstStepBytes, totalBytes, perStepBytes: toolSteps };
}
