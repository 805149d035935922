import { readFileSync } from 'node:fs';
import { eventMs, eventsOf, percentile, type Harness, type HistoryEvent } from './harness';
import { stepsScript } from './scenarios';

/** One phase of a step: its name and its median over the steps measured. */
export interface Phase {
  name: string;
  p50: number;
}

/** CPU milliseconds per run, split between the server process and the process that runs the worker. */
export interface CpuSplit {
  runs: number;
  serverMsPerRun: number;
  workerMsPerRun: number;
}

export interface AnatomyFigures {
  steps: number;
  calls: number;
  callMs: number;
  activity: { phases: Phase[]; stepP50: number; cpu: CpuSplit };
  local: { phases: Phase[]; stepP50: number; cpu: CpuSplit };
}

/** utime + stime of a process, in ms (clock ticks are 100 Hz on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

const median = (values: readonly number[]) => percentile(values, 50);

/**
 * The phases of a step from one run's history: where a step's wall time goes. With the activity planner a step
 * is plan scheduled → plan started → plan completed → the workflow task that schedules the tools → tools → the
 * workflow task that schedules the next plan. With the local planner the model call is inside a workflow task.
 */
function phasesOf(events: readonly HistoryEvent[], local: boolean): { phases: Phase[]; steps: number[] } {
  const byId = new Map(events.map((event) => [String(event.eventId), event]));
  const scheduledName = (id: unknown) => byId.get(String(id))?.activityTaskScheduledEventAttributes?.activityType?.name;
  const at = (type: string, name?: string) =>
    events.filter((event) => {
      if (type === 'scheduled') return event.activityTaskScheduledEventAttributes?.activityType?.name === name;
      if (type === 'started') return scheduledName(event.activityTaskStartedEventAttributes?.scheduledEventId) === name;
      if (type === 'completed') return scheduledName(event.activityTaskCompletedEventAttributes?.scheduledEventId) === name;
      return false;
    });
  const tools = (type: string) => at(type, 'work').map(eventMs);
  const batches = (times: number[], size: number) => Array.from({ length: Math.floor(times.length / size) }, (_, index) => times.slice(index * size, (index + 1) * size));
  const calls = 3;
  const toolStarts = batches(tools('started'), calls).map((batch) => Math.min(...batch));
  const toolEnds = batches(tools('completed'), calls).map((batch) => Math.max(...batch));
  const toolScheduled = batches(tools('scheduled'), calls).map((batch) => Math.min(...batch));
  if (local) {
    const phases = [
      { name: 'tools scheduled → first tool started', values: toolScheduled.map((value, index) => (toolStarts[index] ?? value) - value) },
      { name: 'tools running (first started → last completed)', values: toolStarts.map((value, index) => (toolEnds[index] ?? value) - value) },
      { name: 'last tool completed → next tools scheduled (workflow task with the local model call)', values: toolEnds.slice(0, -1).map((value, index) => (toolScheduled[index + 1] ?? value) - value) },
    ];
    return { phases: phases.map(({ name, values }) => ({ name, p50: median(values) })), steps: toolScheduled.slice(1).map((value, index) => value - (toolScheduled[index] ?? value)) };
  }
  const planScheduled = at('scheduled', 'plan').map(eventMs);
  const planStarted = at('started', 'plan').map(eventMs);
  const planCompleted = at('completed', 'plan').map(eventMs);
  const steps = Math.min(toolScheduled.length, planCompleted.length);
  const pick = (values: number[]) => values.slice(0, steps);
  const phases = [
    { name: 'plan scheduled → started (dispatch)', values: pick(planStarted).map((value, index) => value - (planScheduled[index] ?? value)) },
    { name: 'plan started → completed (transcript query + model)', values: pick(planCompleted).map((value, index) => value - (planStarted[index] ?? value)) },
    { name: 'plan completed → tools scheduled (workflow task)', values: pick(toolScheduled).map((value, index) => value - (planCompleted[index] ?? value)) },
    { name: 'tools scheduled → first tool started', values: pick(toolStarts).map((value, index) => value - (toolScheduled[index] ?? value)) },
    { name: 'tools running (first started → last completed)', values: pick(toolEnds).map((value, index) => value - (toolStarts[index] ?? value)) },
    { name: 'last tool completed → next plan scheduled (workflow task)', values: pick(toolEnds).map((value, index) => (planScheduled[index + 1] ?? value) - value) },
  ];
  return { phases: phases.map(({ name, values }) => ({ name, p50: median(values) })), steps: planScheduled.slice(1).map((value, index) => value - (planScheduled[index] ?? value)) };
}

/**
 * 7. Where a step's time and a run's CPU go, for the activity planner (the default) and the local planner: the
 * phases of each step from history (medians), and CPU per run of the server and of the worker's process, measured
 * over `runs` concurrent runs of the throughput workload.
 */
export async function stepAnatomy(harness: Harness, serverPid: number, steps: number, calls: number, callMs: number, runs: number): Promise<AnatomyFigures> {
  const measure = async (planner: 'activity' | 'local') => {
    const agent = await harness.agentWorker(stepsScript(steps, calls, callMs));
    return agent.run(async () => {
      const handle = await harness.client.workflow.start('agentWorkflow', {
        taskQueue: agent.taskQueue,
        workflowId: `${agent.taskQueue}-anatomy`,
        args: [{ goal: 'anatomy', maxSteps: steps + 1, maxParallel: calls, planner }],
      });
      await handle.result();
      const { phases, steps: stepTimes } = phasesOf(await eventsOf(handle), planner === 'local');
      // CPU: many short runs at once (the throughput workload's shape), server and worker process apart.
      const before = { server: cpuMs(serverPid), worker: cpuMs(process.pid) };
      const handles = await Promise.all(
        Array.from({ length: runs }, (_, index) =>
          harness.client.workflow.start('agentWorkflow', { taskQueue: agent.taskQueue, workflowId: `${agent.taskQueue}-cpu-${index}`, args: [{ goal: `cpu ${index}`, maxSteps: steps + 1, maxParallel: calls, planner }] }),
        ),
      );
      await Promise.all(handles.map((started) => started.result()));
      const cpu = { runs, serverMsPerRun: (cpuMs(serverPid) - before.server) / runs, workerMsPerRun: (cpuMs(process.pid) - before.worker) / runs };
      return { phases, stepP50: median(stepTimes), cpu };
    });
  };
  return { steps, calls, callMs, activity: await measure('activity'), local: await measure('local') };
}

/** Section 7's Markdown. */
export function anatomyMarkdown(figures: AnatomyFigures, heading: string): string {
  const rows = (mode: AnatomyFigures['activity']) => mode.phases.map((phase) => `| ${phase.name} | ${Math.round(phase.p50)} ms |`).join('\n');
  const cpu = (name: string, split: CpuSplit) => `| ${name} | ${split.serverMsPerRun.toFixed(0)} ms | ${split.workerMsPerRun.toFixed(0)} ms | ${(split.serverMsPerRun + split.workerMsPerRun).toFixed(0)} ms |`;
  return `${heading}

Phases of a step, from the history of one run of ${figures.steps} steps × ${figures.calls} calls of ${figures.callMs} ms (medians over its steps),
and CPU per run (\`/proc/<pid>/stat\`, user + system) of the dev server and of the bench process (which runs the worker,
its scripted model and the client) over ${figures.activity.cpu.runs} concurrent runs of the same shape. Before: the activity
planner (the default). After: \`planner: 'local'\`.

**Activity planner** (step p50 ${Math.round(figures.activity.stepP50)} ms):

| phase | p50 |
|---|---|
${rows(figures.activity)}

**Local planner** (step p50 ${Math.round(figures.local.stepP50)} ms):

| phase | p50 |
|---|---|
${rows(figures.local)}

| CPU per run | server | worker process | total |
|---|---|---|---|
${cpu('activity planner', figures.activity.cpu)}
${cpu('local planner', figures.local.cpu)}
`;
}
