import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileScript } from '../src/scripted-model/script';
import { startScriptedModel } from '../src/scripted-model/server';
import { startCpuWorker, summarizeProfile, type CpuWorker, type ThreadProfile } from './cpu-profile';
import { eventMs, eventsOf, localActivityOf, percentile, type Harness, type HistoryEvent } from './harness';
import { BEFORE_FAST_STEPS, stepsScript } from './scenarios';

/** One phase of a step: its name and its median over the steps measured. */
export interface Phase {
  name: string;
  p50: number;
}

/** CPU milliseconds per run, split between the server process and the worker's process (and its workflow thread). */
export interface CpuSplit {
  runs: number;
  serverMsPerRun: number;
  workerMsPerRun: number;
}

/** Where the worker's threads spent their time in a second, profiled batch of the same runs (per run, ms). */
export interface ThreadProfiles {
  runs: number;
  workflowThread: ThreadProfile;
  mainThread: ThreadProfile;
}

export interface ModeAnatomy {
  phases: Phase[];
  stepP50: number;
  cpu: CpuSplit;
  profiles?: ThreadProfiles;
}

export interface AnatomyFigures {
  steps: number;
  calls: number;
  callMs: number;
  /** The bare workflow: the same activities with none of the agent's logic (the engine's floor). */
  bare?: ModeAnatomy;
  /** The activity planner, the bench's tool on the fast path (docs/fast-steps.md); the defaults before the `auto` planner. */
  activity: ModeAnatomy;
  /** The activity planner with `fastTools: false`: every call an activity task, as before fast steps. */
  activities?: ModeAnatomy;
  /** The model called from local activities: `planner: 'local'`, or (with `localIsDefault`) the defaults, whose `auto` planner stays local for the bench's model. */
  local: ModeAnatomy;
  /** Whether `local` measured the defaults (the `auto` planner). */
  localIsDefault?: boolean;
}

/** utime + stime of a process, in ms (clock ticks are 100 Hz on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

const median = (values: readonly number[]) => percentile(values, 50);

/**
 * Waits until the server is idle (under 5 % of a core over half a second, at most 30 s): work left over from
 * earlier runs (visibility writes, deletions) would otherwise count for the runs measured next.
 */
async function serverSettled(serverPid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const before = cpuMs(serverPid);
    await sleep(500);
    if (cpuMs(serverPid) - before <= 25) return;
  }
}

type Batch = { scheduled: number; started: number; completed: number }[];

/**
 * The activities of one run's history in the batches their workflow tasks scheduled, in order, with when each
 * activity was scheduled, started and completed.
 */
function batchesOf(events: readonly HistoryEvent[]): { name: string; batch: Batch }[] {
  const byScheduled = new Map<string, { name: string; scheduled: number; started: number; completed: number; task: string }>();
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) byScheduled.set(String(event.eventId), { name: scheduled.activityType?.name ?? '', scheduled: eventMs(event), started: Number.NaN, completed: Number.NaN, task: String(scheduled.workflowTaskCompletedEventId) });
    // A fast call (a local activity) is a marker, written when its workflow task completed: it carries when it was
    // scheduled and completed on the worker; it starts as it is scheduled, in the worker's own process.
    const local = localActivityOf(event);
    if (local) byScheduled.set(String(event.eventId), { name: local.activityType, scheduled: local.scheduledMs, started: local.scheduledMs, completed: local.completedMs, task: String(event.markerRecordedEventAttributes?.workflowTaskCompletedEventId) });
    const started = byScheduled.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId));
    if (started && event.activityTaskStartedEventAttributes) started.started = eventMs(event);
    const completed = byScheduled.get(String(event.activityTaskCompletedEventAttributes?.scheduledEventId));
    if (completed && event.activityTaskCompletedEventAttributes) completed.completed = eventMs(event);
  }
  const batches: { name: string; task: string; batch: Batch }[] = [];
  for (const activity of byScheduled.values()) {
    const last = batches.at(-1);
    // Local activities of several steps can share one workflow task (its markers are written when it completes): the
    // model call's marker between two steps' tool calls splits them.
    if (last && last.task === activity.task && last.name === activity.name) last.batch.push(activity);
    else batches.push({ name: activity.name, task: activity.task, batch: [activity] });
  }
  return batches;
}

const first = (batch: Batch, key: 'scheduled' | 'started') => Math.min(...batch.map((activity) => activity[key]));
const last = (batch: Batch) => Math.max(...batch.map((activity) => activity.completed));

/**
 * The phases of a step from one run's history, for a run whose step is one planning activity then the tools: the
 * agent with the activity planner (`plan`, then `work`) or the bare workflow (`trivial` for both). The first
 * activity of a run (the catalogue) is not part of a step.
 */
function plannedPhases(events: readonly HistoryEvent[]): { phases: Phase[]; steps: number[] } {
  const batches = batchesOf(events).slice(1);
  const plans: Batch[] = [];
  const tools: Batch[] = [];
  for (let index = 0; index + 1 < batches.length; index += 2) {
    plans.push(batches[index]?.batch ?? []);
    tools.push(batches[index + 1]?.batch ?? []);
  }
  const phase = (name: string, values: number[]) => ({ name, p50: median(values) });
  const phases = [
    phase('plan scheduled → started (dispatch)', plans.map((plan) => first(plan, 'started') - first(plan, 'scheduled'))),
    phase('plan started → completed (transcript query + model; the bare workflow: an empty activity)', plans.map((plan) => last(plan) - first(plan, 'started'))),
    phase('plan completed → tools scheduled (workflow task)', tools.map((batch, index) => first(batch, 'scheduled') - last(plans[index] ?? batch))),
    phase('tools scheduled → first tool started', tools.map((batch) => first(batch, 'started') - first(batch, 'scheduled'))),
    phase('tools running (first started → last completed)', tools.map((batch) => last(batch) - first(batch, 'started'))),
    phase('last tool completed → next plan scheduled (workflow task)', tools.slice(0, -1).map((batch, index) => first(plans[index + 1] ?? batch, 'scheduled') - last(batch))),
  ];
  const planTimes = plans.map((plan) => first(plan, 'scheduled'));
  return { phases, steps: planTimes.slice(1).map((value, index) => value - (planTimes[index] ?? value)) };
}

/** With the local planner a step is the tools, then one workflow task that calls the model and schedules the next tools. */
function localPhases(events: readonly HistoryEvent[]): { phases: Phase[]; steps: number[] } {
  const tools = batchesOf(events).filter((entry) => entry.name === 'work').map((entry) => entry.batch);
  const phases = [
    { name: 'tools scheduled → first tool started', p50: median(tools.map((batch) => first(batch, 'started') - first(batch, 'scheduled'))) },
    { name: 'tools running (first started → last completed)', p50: median(tools.map((batch) => last(batch) - first(batch, 'started'))) },
    { name: 'last tool completed → next tools scheduled (workflow task with the local model call)', p50: median(tools.slice(0, -1).map((batch, index) => first(tools[index + 1] ?? batch, 'scheduled') - last(batch))) },
  ];
  const starts = tools.map((batch) => first(batch, 'scheduled'));
  return { phases, steps: starts.slice(1).map((value, index) => value - (starts[index] ?? value)) };
}

type Mode = 'bare' | 'activity' | 'activities' | 'local';

/** What each agent mode adds to a run's input. */
const MODE_INPUT: Record<Exclude<Mode, 'bare'>, Record<string, unknown>> = { activity: { planner: 'activity' }, activities: BEFORE_FAST_STEPS, local: {} };

/**
 * One mode: a worker in its own process (bench/cpu-worker.ts), one run timed from its history, a warm-up, then
 * `runs` concurrent runs for CPU per run (server and worker process), then the same again with every thread of the
 * worker profiled (V8's sampling profiler) for where its time goes.
 */
async function measureMode(harness: Harness, mode: Mode, steps: number, calls: number, callMs: number, runs: number): Promise<ModeAnatomy> {
  const model = mode === 'bare' ? undefined : await startScriptedModel(compileScript(stepsScript(steps, calls, callMs)));
  let worker: CpuWorker | undefined;
  try {
    worker = await startCpuWorker({ kind: mode === 'bare' ? 'bare' : 'agent', address: harness.config.address, bundlePath: harness.bundlePath, ...(model ? { modelUrl: model.baseURL } : {}) });
    const { taskQueue } = worker;
    let counter = 0;
    const start = () => {
      const workflowId = `${taskQueue}-${++counter}`;
      return mode === 'bare'
        ? harness.client.workflow.start('bareWorkflow', { taskQueue, workflowId, args: [{ steps, calls, callMs }] })
        : harness.client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: `anatomy ${counter}`, maxSteps: steps + 1, maxParallel: calls, ...MODE_INPUT[mode] }] });
    };
    const batch = async (count: number) => {
      const handles = await Promise.all(Array.from({ length: count }, start));
      await Promise.all(handles.map((handle) => handle.result()));
    };
    const timed = await start();
    await timed.result();
    const events = await eventsOf(timed);
    const { phases, steps: stepTimes } = mode === 'local' ? localPhases(events) : plannedPhases(events);
    await batch(Math.min(20, runs));
    await serverSettled(harness.serverPid);
    const before = { server: cpuMs(harness.serverPid), worker: cpuMs(worker.pid) };
    await batch(runs);
    const cpu = { runs, serverMsPerRun: (cpuMs(harness.serverPid) - before.server) / runs, workerMsPerRun: (cpuMs(worker.pid) - before.worker) / runs };
    await serverSettled(harness.serverPid);
    await worker.start();
    await batch(runs);
    const report = await worker.stop();
    const summaries = await Promise.all(
      report.profiles.map(async (profile) => ({ ...profile, summary: perRun(await summarizeProfile(profile.file, harness.bundlePath), runs) })),
    );
    const workflowThread = summaries.filter((entry) => !entry.isMainThread).sort((a, b) => b.summary.busyMs - a.summary.busyMs)[0];
    const mainThread = summaries.find((entry) => entry.isMainThread);
    return { phases, stepP50: median(stepTimes), cpu, ...(workflowThread && mainThread ? { profiles: { runs, workflowThread: workflowThread.summary, mainThread: mainThread.summary } } : {}) };
  } finally {
    await worker?.close();
    await model?.close();
  }
}

/** A thread's profile with every figure divided by `runs`. */
function perRun(profile: ThreadProfile, runs: number): ThreadProfile {
  const each = <T extends { ms: number }>(entries: T[]) => entries.map((entry) => ({ ...entry, ms: entry.ms / runs }));
  return { busyMs: profile.busyMs / runs, origins: each(profile.origins), topFunctions: each(profile.topFunctions), hookCallers: each(profile.hookCallers) };
}

/**
 * 7. Where a step's time and a run's CPU go: the bare workflow (the engine's floor), the activity planner with fast
 * tools and as before fast steps, and the defaults (the `auto` planner, local for the bench's model), each with its
 * worker in its own process; see {@link measureMode}.
 */
export async function stepAnatomy(harness: Harness, steps: number, calls: number, callMs: number, runs: number): Promise<AnatomyFigures> {
  const bare = await measureMode(harness, 'bare', steps, calls, callMs, runs);
  const activity = await measureMode(harness, 'activity', steps, calls, callMs, runs);
  const activities = await measureMode(harness, 'activities', steps, calls, callMs, runs);
  const local = await measureMode(harness, 'local', steps, calls, callMs, runs);
  return { steps, calls, callMs, bare, activity, activities, local, localIsDefault: true };
}
