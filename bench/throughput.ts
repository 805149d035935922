import { bareWorker, percentile, type Harness } from './harness';
import { checkPeerResult, type PeerResult, type PeerWorker } from './peer';
import type { LangGraphPeer } from './peer-langgraph';
import { BEFORE_FAST_STEPS, PEER_MODELS, stepsScript } from './scenarios';

const median = (values: readonly number[]) => percentile(values, 50);

/** One mode's throughput: the median round's figures, and each round's runs/s for the spread. */
export interface ThroughputMode {
  wallMs: number;
  runsPerSecond: number;
  activitiesPerSecond: number;
  toolCallsPerSecond: number;
  /** Activities one run schedules. */
  activitiesPerRun?: number;
  /** runs/s of every round, in the order run. */
  roundsRunsPerSecond?: number[];
}

export interface ThroughputFigures {
  runs: number;
  steps: number;
  calls: number;
  callMs: number;
  /** Rounds per mode, the modes interleaved in a rotating order. @default 1 (older results) */
  rounds?: number;
  agent: ThroughputMode;
  /** durable-agent with `planner: 'local'` (the model called from a local activity), when measured. */
  local?: ThroughputMode;
  /** durable-agent with `planner: 'activity'` and `fastTools: false` (every call an activity task, as before fast steps), when measured. */
  activities?: ThroughputMode;
  /** LangGraph with a SQLite checkpointer on a file, in its own process, when it ran. */
  langgraph?: ThroughputMode & { label: string };
  /** Why LangGraph was not measured, when it was asked for and failed. */
  langgraphError?: string;
  /** Runs/s of durable-agent with the local planner / the bare workflow (medians). */
  localRatio?: number;
  bare: Omit<ThroughputMode, 'toolCallsPerSecond'> & { toolCallsPerSecond?: number };
  /** The peer on the same server and worker limits, in its own worker process, when it ran. */
  peer?: ThroughputMode & { label: string };
  /** Runs/s of durable-agent / the bare workflow (medians). */
  ratio: number;
  /** Runs/s of the peer / the bare workflow (medians). */
  peerRatio?: number;
  /** Why the peer was not measured, when it was asked for and failed. */
  peerError?: string;
  /** The planner of durable-agent's defaults when measured: `auto` (absent: the activity planner, before it). */
  defaultPlanner?: 'auto';
}

/** Starts `runs` workflows at once and waits for all of them: wall time in ms, at the client. */
async function concurrentRuns(start: (index: number) => Promise<{ result(): Promise<unknown> }>, runs: number, check: (result: unknown) => void = () => undefined): Promise<number> {
  const started = performance.now();
  const handles = await Promise.all(Array.from({ length: runs }, (_, index) => start(index)));
  const results = await Promise.all(handles.map((handle) => handle.result()));
  const wallMs = performance.now() - started;
  results.forEach(check);
  return wallMs;
}

/**
 * 3. Many concurrent agents on one worker, beside a bare workflow that schedules the same activities and (when
 * given) the peer running the same script; `rounds` rounds of each, interleaved in a rotating order.
 */
export async function throughput(harness: Harness, runs: number, steps: number, calls: number, callMs: number, rounds = 1, peer?: PeerWorker, langgraph?: LangGraphPeer): Promise<ThroughputFigures> {
  const script = stepsScript(steps, calls, callMs);
  // The bare workflow schedules a catalogue read, a model call per step and one for the answer, and every tool call.
  const bareActivitiesPerRun = 1 + steps * (1 + calls) + 1;
  // With its defaults, durable-agent's model calls (answered within the hand-off time) and tool calls (the bench's tool is
  // fast) are local activities: its one activity task is the catalogue read.
  const agentActivitiesPerRun = 1;
  const peerActivitiesPerRun = steps * (1 + calls) + 1;
  let round = 0;
  const agentRound = async (extra: { planner?: 'local' | 'activity'; fastTools?: false }) => {
    const agent = await harness.agentWorker(script);
    return agent.run(() =>
      concurrentRuns(
        (index) =>
          harness.client.workflow.start('agentWorkflow', {
            taskQueue: agent.taskQueue,
            workflowId: `${agent.taskQueue}-${index}`,
            args: [{ goal: `throughput ${index}`, maxParallel: calls, maxSteps: steps + 1, ...extra }],
          }),
        runs,
      ),
    );
  };
  const bareRound = async () => {
    const bareQueue = `bench-bare-${process.pid}-${round}`;
    const worker = await bareWorker(harness, bareQueue);
    return worker.runUntil(() =>
      concurrentRuns((index) => harness.client.workflow.start('bareWorkflow', { taskQueue: bareQueue, workflowId: `${bareQueue}-${index}`, args: [{ steps, calls, callMs }] }), runs),
    );
  };
  const peerRound = async (active: PeerWorker) =>
    concurrentRuns(
      (index) =>
        harness.client.workflow.start('aiSdkAgent', {
          taskQueue: active.taskQueue,
          workflowId: `${active.taskQueue}-throughput-${round}-${index}`,
          args: [{ goal: `throughput ${index}`, model: PEER_MODELS.throughput, maxSteps: steps + 1, maxParallel: calls }],
        }),
      runs,
      (result) => checkPeerResult(result as PeerResult, steps, calls),
    );

  const modes = [
    { name: 'agent', run: () => agentRound({}) },
    { name: 'activities', run: () => agentRound(BEFORE_FAST_STEPS) },
    { name: 'local', run: () => agentRound({ planner: 'local' }) },
    { name: 'bare', run: bareRound },
    ...(peer ? [{ name: 'peer', run: () => peerRound(peer) }] : []),
    ...(langgraph ? [{ name: 'langgraph', run: () => langgraph.throughput(runs, steps, calls, callMs) }] : []),
  ];
  const wallMs = new Map<string, number[]>(modes.map((mode) => [mode.name, []]));
  for (; round < rounds; round += 1) {
    for (let offset = 0; offset < modes.length; offset += 1) {
      const mode = modes[(round + offset) % modes.length];
      if (mode) wallMs.get(mode.name)?.push(await mode.run());
    }
  }
  const perSecond = (count: number, ms: number) => (count * 1000) / ms;
  const figuresOf = (name: string, activitiesPerRun: number): ThroughputMode => {
    const walls = wallMs.get(name) ?? [];
    const wall = median(walls);
    return {
      wallMs: wall,
      runsPerSecond: perSecond(runs, wall),
      activitiesPerSecond: perSecond(runs * activitiesPerRun, wall),
      toolCallsPerSecond: perSecond(runs * steps * calls, wall),
      activitiesPerRun,
      roundsRunsPerSecond: walls.map((ms) => perSecond(runs, ms)),
    };
  };
  const agent = figuresOf('agent', agentActivitiesPerRun);
  // The local planner leaves no `plan` activities either: the catalogue read alone.
  const local = figuresOf('local', 1);
  const { toolCallsPerSecond: _none, ...bare } = figuresOf('bare', bareActivitiesPerRun);
  const peerFigures = peer ? { label: peer.label, ...figuresOf('peer', peerActivitiesPerRun) } : undefined;
  // Before fast steps: the catalogue read, the model calls and every tool call as activities, as the bare workflow.
  const activities = figuresOf('activities', bareActivitiesPerRun);
  return {
    defaultPlanner: 'auto',
    runs,
    steps,
    calls,
    callMs,
    rounds,
    agent,
    local,
    localRatio: local.runsPerSecond / bare.runsPerSecond,
    activities,
    ...(langgraph ? { langgraph: { label: langgraph.label, ...figuresOf('langgraph', 0) } } : {}),
    bare,
    ratio: agent.runsPerSecond / bare.runsPerSecond,
    ...(peerFigures ? { peer: peerFigures, peerRatio: peerFigures.runsPerSecond / bare.runsPerSecond } : {}),
  };
}
