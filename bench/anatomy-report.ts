import type { AnatomyFigures, ModeAnatomy } from './anatomy';
import { PROFILE_INTERVAL_US } from './profile-probe';
import type { ThreadProfile } from './cpu-profile';

const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '' : `${Math.round(value)} ms`);
const ms1 = (value: number | undefined) => (value === undefined ? '' : `${value.toFixed(1)} ms`);

type Named = { label: string; mode: ModeAnatomy };

/** Rows of origins that take at least 2 % of a thread's busy time in some mode, largest first (by the last mode). */
function originRows(modes: readonly Named[], thread: (mode: ModeAnatomy) => ThreadProfile | undefined): string {
  const names = new Set<string>();
  for (const { mode } of modes) {
    const profile = thread(mode);
    for (const origin of profile?.origins ?? []) if (profile && origin.ms >= profile.busyMs * 0.02) names.add(origin.name);
  }
  const msOf = (mode: ModeAnatomy, name: string) => thread(mode)?.origins.find((origin) => origin.name === name)?.ms ?? 0;
  const lastMode = modes.at(-1)?.mode;
  const ordered = [...names].sort((a, b) => (lastMode ? msOf(lastMode, b) - msOf(lastMode, a) : 0));
  const cell = (mode: ModeAnatomy, name: string) => {
    const profile = thread(mode);
    if (!profile) return '';
    const value = msOf(mode, name);
    return `${ms1(value)} (${Math.round((value / profile.busyMs) * 100)} %)`;
  };
  const rows = ordered.map((name) => `| ${name} | ${modes.map(({ mode }) => cell(mode, name)).join(' | ')} |`);
  const busy = `| **busy in all** | ${modes.map(({ mode }) => `**${ms1(thread(mode)?.busyMs)}**`).join(' | ')} |`;
  return [...rows, busy].join('\n');
}

function functionRows(entries: ThreadProfile['topFunctions']): string {
  return entries.map((entry) => `| \`${entry.name}\` | ${entry.source || '(native)'} | ${ms1(entry.ms)} |`).join('\n');
}

/** Section 7's Markdown: phases of a step, CPU per run, and the worker threads' profiles, the bare workflow first. */
export function anatomyMarkdown(figures: AnatomyFigures, heading: string): string {
  const { bare, activity, activities, local } = figures;
  // Figures measured before fast steps have no `activities` mode: their tool calls were all activities. Figures of the
  // `auto` planner measure its defaults as the local mode (the bench's model answers within the hand-off time).
  const fast = activities !== undefined;
  const auto = figures.localIsDefault === true;
  const localLabel = auto ? 'defaults (`auto` planner, fast tools)' : fast ? "`planner: 'local'`, fast tools" : "`planner: 'local'`";
  const modes: Named[] = [
    ...(bare ? [{ label: 'bare workflow (floor)', mode: bare }] : []),
    { label: auto ? "`planner: 'activity'`, fast tools" : fast ? 'defaults (activity planner, fast tools)' : 'activity planner (default)', mode: activity },
    ...(activities ? [{ label: auto ? "as before fast steps (`planner: 'activity'`, `fastTools: false`)" : '`fastTools: false` (every call an activity)', mode: activities }] : []),
    { label: localLabel, mode: local },
  ];
  const planned: Named[] = modes.filter((named) => named.mode !== local);
  const phaseNames = activity.phases.map((phase) => phase.name);
  const phaseRows = phaseNames.map((name) => `| ${name} | ${planned.map(({ mode }) => ms(mode.phases.find((phase) => phase.name === name)?.p50)).join(' | ')} |`).join('\n');
  const overStep = (mode: ModeAnatomy) => `${ms(mode.stepP50)} (+${Math.round(mode.stepP50 - figures.callMs)} ms over the tools' ${figures.callMs} ms)`;
  const cpuRows = modes
    .map(({ label, mode }) => {
      const total = mode.cpu.serverMsPerRun + mode.cpu.workerMsPerRun;
      return `| ${label} | ${ms(mode.cpu.serverMsPerRun)} | ${ms(mode.cpu.workerMsPerRun)} | ${ms(total)} | ${ms1(mode.cpu.serverMsPerRun / figures.steps)} + ${ms1(mode.cpu.workerMsPerRun / figures.steps)} |`;
    })
    .join('\n');
  const profiled = modes.filter(({ mode }) => mode.profiles);
  const header = `| origin | ${profiled.map(({ label }) => label).join(' | ')} |\n|---|${profiled.map(() => '---|').join('')}`;
  const hook = activity.profiles?.workflowThread.hookCallers.slice(0, 8) ?? [];
  const top = activity.profiles?.workflowThread.topFunctions.slice(0, 8) ?? [];
  return `${heading}

Each mode's worker runs in its own process (bench/cpu-worker.ts), the client and the scripted model in the bench
process. The bare workflow schedules the same activities as the agent (a catalogue read, per step an empty "plan"
activity then the ${figures.calls} calls, a last "plan") with none of the agent's logic: the engine's floor on this machine.
The same measurement on the code before the workflow-thread work of issue 16 (commit 0ab9878): [anatomy-before.md](anatomy-before.md).

**Phases of a step**, from the history of one run of ${figures.steps} steps × ${figures.calls} calls of ${figures.callMs} ms (medians over its steps${
    fast ? "; a fast\ncall is a local-activity marker, timed by the worker's clock: it starts as it is scheduled, in the worker's own process" : ''
  }):

| phase | ${planned.map(({ label }) => label).join(' | ')} |
|---|${planned.map(() => '---|').join('')}
${phaseRows}
| **step p50** | ${planned.map(({ mode }) => `**${overStep(mode)}**`).join(' | ')} |

${
    auto
      ? `With the defaults (the \`auto\` planner's model calls, answered within the hand-off time, and the tools all local
activities): step p50 ${overStep(local)}, a step's first tool call to the next's. Its phases are not shown: a step runs
inside one workflow task, and a local activity's marker carries the workflow's clock (the activation's time) and the
core's, which do not time what happens inside a task; the CPU figures below do.`
      : `With \`planner: 'local'\` (step p50 ${overStep(local)}):

| phase | p50 |
|---|---|
${local.phases.map((phase) => `| ${phase.name} | ${ms(phase.p50)} |`).join('\n')}`
  }

**CPU per run** (\`/proc/<pid>/stat\`, user + system, over ${activity.cpu.runs} concurrent runs of the same shape after a warm-up):

| mode | server | worker process | total | per step (server + worker) |
|---|---|---|---|---|
${cpuRows}

**Where the worker's threads spend a run** (V8's sampling profiler every ${PROFILE_INTERVAL_US} µs in each thread, over a second
batch of ${activity.profiles?.runs ?? activity.cpu.runs} runs; ms per run of sampled time that was not idle, which includes time blocked in native calls;
origins take at least 2 % in some mode; samples under the SDK's promise hook count as the hook, every other sample for the
origin of its innermost frame, bundle frames mapped to their sources):

*Workflow thread* (the SDK's workflow sandbox):

${header}
${originRows(profiled, (mode) => mode.profiles?.workflowThread)}

*Main thread* (the SDK's worker, the activities, the planner's model call and the Rust core's callbacks):

${header}
${originRows(profiled, (mode) => mode.profiles?.mainThread)}

Where the promise hook's time comes from with the activity planner (the function that made or awaited the promise):

| function | source | ms per run |
|---|---|---|
${functionRows(hook)}

The workflow thread's functions with the most self time, activity planner:

| function | source | ms per run |
|---|---|---|
${functionRows(top)}
`;
}
