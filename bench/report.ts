import type { AnatomyFigures } from './anatomy';
import { anatomyMarkdown } from './anatomy-report';
import { settingsMarkdown, type SettingsFigures } from './settings';
import { cpus, totalmem } from 'node:os';
import type { MemoryFigures } from './memory';
import type { PlanningFigures } from './planning';
import { planningMarkdown } from './planning-report';
import type { HistoryFigures, ModeTimes, OverheadFigures, ParallelFigures } from './scenarios';
import type { ThroughputFigures } from './throughput';

export interface BenchFigures {
  mode: 'full' | 'quick';
  date: string;
  /** The machine of the full run (absent in figures from before it was kept: the machine that renders them). */
  machine?: string;
  parallel: ParallelFigures;
  overhead: OverheadFigures;
  throughput: ThroughputFigures;
  history: HistoryFigures;
  memory: MemoryFigures;
  planning: PlanningFigures;
  /** Section 7, when measured: where a step's time and a run's CPU go. */
  anatomy?: AnatomyFigures;
  /** Section 8, when measured: worker settings chosen by measurement. */
  settings?: SettingsFigures;
  /** Sections replaced by a section-only run after the full run (bench/render.ts), one line each. */
  provenance?: string[];
}

const ms = (value: number) => `${Math.round(value)} ms`;
const x = (value: number) => `${value.toFixed(2)}×`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const signedMs = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(Math.round(value))} ms`;
const mb = (value: number) => `${value.toFixed(1)} MB`;
const growth = (first: number, last: number) => `${(((last - first) / first) * 100).toFixed(1)} %`;

/** `4.8 (4.5–5.0)`: the median round's figure and the range over rounds, when there were several. */
function withRange(value: number, rounds: readonly number[] | undefined, digits: number): string {
  if (!rounds || rounds.length < 2) return value.toFixed(digits);
  return `${value.toFixed(digits)} (${Math.min(...rounds).toFixed(digits)}–${Math.max(...rounds).toFixed(digits)})`;
}

export function machineLine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

/** bench/RESULTS.md: one table per question, absolute figures and ratios measured side by side in one run. */
export function resultsMarkdown(figures: BenchFigures): string {
  const { parallel, overhead, throughput, history, memory, planning } = figures;
  const peerLabel = overhead.peer?.label ?? throughput.peer?.label;
  const peerColumn = peerLabel ? `${peerLabel}, this run` : "Temporal's ai-sdk integration";
  return `# Benchmark results

Measured by \`npm run bench${figures.mode === 'quick' ? ' -- --quick' : ''}\` on ${figures.date}, ${figures.machine ?? machineLine()}, one Temporal dev server
(CLI 1.5.1, SQLite) and one worker, the scripted model over HTTP on loopback. Every comparison below was measured in
the same run on the same machine. Chart of step time by mode: [step-time.svg](step-time.svg). Sections alone (results
to test-artifacts/bench/): \`npm run bench -- peers\` (2 and 3 with Temporal's ai-sdk integration), \`-- memory\` (5),
\`-- planning\` (6), \`-- anatomy\` (7), \`-- settings\` (8).${figures.provenance?.length ? `\n\n**Interim:** ${figures.provenance.join(' ')}` : ''}

## 1. Parallel speedup

One step with ${parallel.calls} tool calls that each really sleep ${parallel.callMs} ms (step time = first call scheduled → last call completed, from history).

| mode | step time |
|---|---|
| \`maxParallel: ${parallel.calls}\` | ${ms(parallel.parallelStepMs)} |
| \`maxParallel: 1\` | ${ms(parallel.sequentialStepMs)} |
| **speedup** | **${x(parallel.speedup)}** (goal ≥ 8×) |

${overheadMarkdown(overhead, '## 2. Engine overhead per step')}
${throughputMarkdown(throughput, '## 3. Throughput')}
## 4. History growth

A ${history.steps}-step run whose tool returns ${kb(history.toolBytes)} each step (bytes = encoded history events per step). The first
step's plan request carries the opening messages and no observation; from the second on, each request carries the
previous step's answer and observation (patch \`planner-delta-v1\`), so the second step is where the steady size begins.

| first step | second step | last step | last / first | last / second | total |
|---|---|---|---|---|---|
| ${history.firstStepBytes} B | ${history.perStepBytes?.[1] ?? ''} B | ${history.lastStepBytes} B | **${x(history.lastOverFirst)}** (goal ≤ 1.5×) | ${history.perStepBytes?.[1] ? x(history.lastStepBytes / history.perStepBytes[1]) : ''} | **${(history.totalBytes / 1_048_576).toFixed(2)} MB** (goal < 10 MB) |

${memoryMarkdown(memory, '## 5. Memory')}
${planningMarkdown(planning, `## 6. ReAct versus plans with dependencies (k = ${planning.k})`).trimEnd()}

${figures.anatomy ? anatomyMarkdown(figures.anatomy, "## 7. Where a step's time and a run's CPU go") : ''}
${figures.settings ? settingsMarkdown(figures.settings, '## 8. Worker settings chosen by measurement') : ''}
## Beside the strongest TypeScript peer

From \`bench/peer-langgraph.md\` (LangGraph.js 1.7.3 with its SQLite checkpointer, same workloads, measured on this
kind of machine but **not in this run**), beside the figures of this run:

| workload | LangGraph + SQLite (not this run) | ${peerColumn} | durable-agent (this run) |
|---|---|---|---|
| one step, 10 calls × 1 s | 1006 ms, no concurrency cap | not measured | ${ms(parallel.parallelStepMs)} with \`maxParallel: 10\` (cap enforced) |
| overhead per step (10 × 3 × 200 ms) | +6.5 ms p50 (4.8–7.2) | ${overhead.peer ? `${signedMs(overhead.peer.overheadP50)} p50, ${signedMs(overhead.peer.overheadP95)} p95` : 'not measured'} | ${signedMs(overhead.overheadP50)} p50, ${signedMs(overhead.overheadP95)} p95 |
| 200 agents × 5 steps × 4 calls × 10 ms | 841 tool calls/s (745–958) | ${throughput.peer ? `${throughput.peer.toolCallsPerSecond.toFixed(0)} tool calls/s (${throughput.peer.runsPerSecond.toFixed(1)} runs/s)` : 'not measured'} | ${throughput.agent.toolCallsPerSecond.toFixed(0)} tool calls/s (${throughput.agent.runsPerSecond.toFixed(1)} runs/s) |
| storage after 200 steps of 4 KB | 220 MB, quadratic | not measured | ${(history.totalBytes / 1_048_576).toFixed(2)} MB of history, linear |
`;
}

/** Section 2: step time by mode, p50 and p95 over every step of every repeat. */
export function overheadMarkdown(overhead: OverheadFigures, heading: string): string {
  const { peer } = overhead;
  const peerText = peer
    ? `\n\n${peer.label}: the same script and the same tool as an activity (\`work\`, sleeps, 30 s start-to-close), the step's ${overhead.calls}
calls in parallel, through the AI SDK's \`generateText\` with \`temporalProvider\` (the model call is the plugin's \`invokeModel\`
activity, via \`@ai-sdk/openai-compatible\` to the same kind of scripted model). It runs in its own worker process (its own SDK
copy) with durable-agent's worker limits, on the same dev server; its step time = \`invokeModel\` \`k\` scheduled → \`k+1\`
scheduled, from its history, as for durable-agent. Each repeat runs the three modes in turn; the peer's worker lives
through all repeats, durable-agent gets a fresh worker and scripted model in each.`
    : '';
  const row = (name: string, mode: ModeTimes | undefined) =>
    mode ? `| ${name} | ${ms(mode.p50)} | ${ms(mode.p95)} | ${signedMs(mode.overheadP50)} | ${signedMs(mode.overheadP95)} | ${x(mode.ratioP50)} |\n` : '';
  const { local, bare, activities, langgraph } = overhead;
  const auto = overhead.defaultPlanner === 'auto';
  const localRow = row("durable-agent, `planner: 'local'` (step = first tool call of a step → the next's)", local);
  const activitiesRow = row("durable-agent, as before fast steps (`planner: 'activity'`, `fastTools: false`: every call an activity task)", activities);
  const defaultsLabel = auto ? "defaults: the `auto` planner's local model calls, fast tools; step = first tool call of a step → the next's" : 'defaults: fast tools, activity planner';
  const bareRow = row('bare Temporal workflow, same activities and server, no agent logic (the floor; its "plan" activity does nothing)', bare);
  const peerRow = row(`${peer?.label ?? ''}, same server`, peer);
  const langgraphRow = row(`${langgraph?.label ?? ''}, own process (step = model request \`k\` → \`k+1\` at the scripted model)`, langgraph);
  const langgraphNote = overhead.langgraphError ? `\nLangGraph was not measured in this run: \`${overhead.langgraphError.replace(/\s+/g, ' ').slice(0, 600)}\`\n` : '';
  const peerNote = overhead.peerError ? `\nTemporal's ai-sdk integration was not measured in this run: \`${overhead.peerError.replace(/\s+/g, ' ').slice(0, 600)}\`\n` : '';
  return `${heading}

${overhead.steps} steps × ${overhead.calls} calls of ${overhead.callMs} ms, ${overhead.samples} steps per mode. Baseline: the seed article's design as a plain
in-process executor (same \`openai\` client, scripted model, semaphore, timeouts and summarizer; no Temporal, no durability).
durable-agent step time = plan \`k\` scheduled → plan \`k+1\` scheduled, from history (a model call from a local activity has
no schedule event: those modes time a step from its first tool call); the bare workflow's the same, its empty "plan"
activity in place of the model call.${auto ? ' Each repeat starts with one unmeasured run on the fresh worker (its warm-up).' : ''}${peerText}

| mode | p50 | p95 | overhead p50 | overhead p95 | p50 / baseline |
|---|---|---|---|---|---|
| plain executor (baseline) | ${ms(overhead.baseline.p50)} | ${ms(overhead.baseline.p95)} | | | |
| durable-agent on the dev server (${defaultsLabel}) | ${ms(overhead.durable.p50)} | ${ms(overhead.durable.p95)} | **${signedMs(overhead.overheadP50)}** (goal ≤ 10 ms) | **${signedMs(overhead.overheadP95)}** (goal ≤ 25 ms) | ${x(overhead.ratioP50)} |
${activitiesRow}${localRow}${bareRow}${peerRow}${langgraphRow}${peerNote}${langgraphNote}`;
}

/** Section 3: runs/s of each mode, median of the rounds and their range. */
export function throughputMarkdown(throughput: ThroughputFigures, heading: string): string {
  const { agent, bare, peer } = throughput;
  const rounds = throughput.rounds ?? 1;
  const agentActivities = agent.activitiesPerRun ?? 1 + throughput.steps * (1 + throughput.calls) + 1;
  const peerText = peer
    ? `, and ${peer.label}
running the same script (${peer.activitiesPerRun ?? '?'} activities per run: a model call per step and one for the answer; no catalogue
activity) in its own worker process with the same worker limits. durable-agent's and the bare workflow's workers share the
bench process with the client and the scripted models; the peer's has a process to itself, which on 2 cores can favour it`
    : '';
  const roundsText = rounds > 1 ? ` ${rounds} rounds of each mode, interleaved in a rotating order: median round (min–max over rounds).` : '';
  const row = (name: string, mode: ThroughputFigures['bare'], ratio: string) =>
    `| ${name} | ${ms(mode.wallMs)} | ${withRange(mode.runsPerSecond, mode.roundsRunsPerSecond, 1)} | ${mode.activitiesPerSecond.toFixed(0)} | ${
      mode.toolCallsPerSecond === undefined ? '' : withRange(mode.toolCallsPerSecond, mode.roundsRunsPerSecond?.map((runs) => runs * throughput.steps * throughput.calls), 0)
    } | ${ratio} |`;
  const rows = [
    row(throughput.defaultPlanner === 'auto' ? 'durable-agent, defaults (`auto` planner, fast tools)' : 'durable-agent', agent, `**${x(throughput.ratio)}** (goal ≥ 2.0)`),
    ...(throughput.activities ? [row("durable-agent as before fast steps (`planner: 'activity'`, `fastTools: false`)", throughput.activities, x(throughput.activities.runsPerSecond / bare.runsPerSecond))] : []),
    ...(throughput.local ? [row("durable-agent, `planner: 'local'`", throughput.local, x(throughput.localRatio ?? Number.NaN))] : []),
    row('bare workflow', bare, x(1)),
    ...(peer ? [row(`${peer.label}, same server`, peer, x(throughput.peerRatio ?? Number.NaN))] : []),
    ...(throughput.langgraph ? [row(`${throughput.langgraph.label}, own process`, throughput.langgraph, x(throughput.langgraph.runsPerSecond / bare.runsPerSecond))] : []),
  ];
  const langgraphText = throughput.langgraph
    ? ` ${throughput.langgraph.label}: \`createReactAgent\` with \`SqliteSaver\` on a file, \`ChatOpenAI\` to the same kind of scripted model, the same tool sleeping in its process, a thread per run, all runs started at once in its own process (bench/peers/langgraph); it has no activities.`
    : throughput.langgraphError
      ? ` LangGraph was not measured in this run: \`${throughput.langgraphError.replace(/\s+/g, ' ').slice(0, 600)}\`.`
      : '';
  const peerNote = throughput.peerError ? `\nTemporal's ai-sdk integration was not measured in this run: \`${throughput.peerError.replace(/\s+/g, ' ').slice(0, 600)}\`\n` : '';
  return `${heading}

${throughput.runs} concurrent agents × ${throughput.steps} steps × ${throughput.calls} tool calls of ${throughput.callMs} ms on one worker, beside a bare Temporal
workflow that does the same work as ${bare.activitiesPerRun ?? agentActivities} activity tasks per run (the catalogue, a model call per step and one for the answer, every
tool call), on the same server and worker settings; durable-agent schedules ${agentActivities} (its tool is fast: docs/fast-steps.md${
    throughput.defaultPlanner === 'auto' ? "; the `auto` planner's model calls, answered at once, are local too" : ''
  })${peerText}.${roundsText}${langgraphText}

| mode | wall time | runs/s | activities/s | tool calls/s | runs/s / bare |
|---|---|---|---|---|---|
${rows.join('\n')}
${peerNote}`;
}

/** Section 5: the worker's memory across sequential runs, in its own process. */
export function memoryMarkdown(memory: MemoryFigures, heading: string): string {
  const list = (values: readonly number[] | undefined) => (values ?? []).map((value) => value.toFixed(1)).join(', ');
  const firstLast = (values: readonly number[] | undefined) => (values && values.length > 0 ? [values[0] ?? Number.NaN, values.at(-1) ?? Number.NaN] : undefined);
  const row = (name: string, values: readonly number[] | undefined) => {
    const ends = firstLast(values);
    return ends ? [`| ${name} | ${mb(ends[0] ?? Number.NaN)} | ${mb(ends[1] ?? Number.NaN)} | ${growth(ends[0] ?? Number.NaN, ends[1] ?? Number.NaN)} |`] : [];
  };
  const threads = memory.workflowThreads ?? 0;
  const rows = [
    `| RSS | ${mb(memory.rssAfterWarmupMb)} | ${mb(memory.rssAfterRunsMb)} | **${memory.growthPercent.toFixed(1)} %** (goal < 5 %) |`,
    ...row('resident anonymous memory', memory.anonymousSamplesMb),
    ...row('V8 heap in use, main thread', memory.heapSamplesMb),
    ...row(`V8 heap in use, workflow thread${threads > 1 ? `s (${threads})` : ''}`, memory.workflowHeapSamplesMb),
  ];
  const samples = [
    `RSS samples (MB): ${list(memory.samplesMb)}.`,
    ...(memory.anonymousSamplesMb ? [`Resident anonymous memory (MB): ${list(memory.anonymousSamplesMb)}.`] : []),
    `V8 heap in use, main thread (MB): ${list(memory.heapSamplesMb)}.`,
    ...(memory.workflowHeapSamplesMb ? [`V8 heap in use, workflow thread (MB): ${list(memory.workflowHeapSamplesMb)}.`] : []),
  ];
  return `${heading}

The worker in its own process across ${memory.runs} sequential short runs after ${memory.warmupRuns} warm-up runs, sampled after a garbage
collection in each of its threads. The main thread runs the activities and the SDK's side of the worker; the workflow thread
runs the workflow sandbox (the SDK's thread pool${threads > 0 ? `, ${threads} thread${threads > 1 ? 's' : ''}` : ''}), whose heap the main thread's figure leaves out. Resident
anonymous memory (\`Anonymous:\` of /proc/<pid>/smaps_rollup) is what no file backs: both heaps, the Rust core, native buffers.

| measure | after warm-up | after ${memory.runs} runs | growth |
|---|---|---|---|
${rows.join('\n')}

${samples.join('\n')}
`;
}

/** A bar chart of step time by mode (p50 and p95), as a standalone SVG. */
export function stepTimeSvg(figures: BenchFigures): string {
  const { peer } = figures.overhead;
  const bars = [
    { label: 'plain executor p50', value: figures.overhead.baseline.p50, color: '#8a8a8a' },
    { label: 'durable-agent p50', value: figures.overhead.durable.p50, color: '#3b5bdb' },
    ...(peer ? [{ label: 'Temporal ai-sdk p50', value: peer.p50, color: '#c2255c' }] : []),
    { label: 'plain executor p95', value: figures.overhead.baseline.p95, color: '#bdbdbd' },
    { label: 'durable-agent p95', value: figures.overhead.durable.p95, color: '#748ffc' },
    ...(peer ? [{ label: 'Temporal ai-sdk p95', value: peer.p95, color: '#f06595' }] : []),
    { label: `${figures.parallel.calls} calls, maxParallel ${figures.parallel.calls}`, value: figures.parallel.parallelStepMs, color: '#2f9e44' },
    { label: `${figures.parallel.calls} calls, maxParallel 1`, value: figures.parallel.sequentialStepMs, color: '#e8590c' },
  ];
  const width = 760;
  const rowHeight = 34;
  const left = 230;
  const max = Math.max(...bars.map((bar) => bar.value));
  const scale = (width - left - 90) / max;
  const rows = bars
    .map((bar, index) => {
      const y = 50 + index * rowHeight;
      const length = Math.max(1, bar.value * scale);
      return `<text x="${left - 10}" y="${y + 17}" text-anchor="end">${bar.label}</text><rect x="${left}" y="${y}" width="${length.toFixed(1)}" height="24" fill="${bar.color}"/><text x="${(left + length + 8).toFixed(1)}" y="${y + 17}">${Math.round(bar.value)} ms</text>`;
    })
    .join('\n  ');
  const height = 70 + bars.length * rowHeight;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
  <rect width="100%" height="100%" fill="white"/>
  <text x="${left}" y="28" font-size="15" font-weight="bold">Step time by mode (${figures.overhead.calls} calls × ${figures.overhead.callMs} ms per step; ${figures.parallel.calls} × ${figures.parallel.callMs} ms)</text>
  ${rows}
</svg>
`;
}
