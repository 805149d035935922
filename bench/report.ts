import { cpus, totalmem } from 'node:os';
import type { MemoryFigures } from './memory';
import type { PlanningFigures } from './planning';
import { planningMarkdown } from './planning-report';
import type { HistoryFigures, OverheadFigures, ParallelFigures, ThroughputFigures } from './scenarios';

export interface BenchFigures {
  mode: 'full' | 'quick';
  date: string;
  parallel: ParallelFigures;
  overhead: OverheadFigures;
  throughput: ThroughputFigures;
  history: HistoryFigures;
  memory: MemoryFigures;
  planning: PlanningFigures;
}

const ms = (value: number) => `${Math.round(value)} ms`;
const x = (value: number) => `${value.toFixed(2)}×`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function machineLine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

/** bench/RESULTS.md: one table per question, absolute figures and ratios measured side by side in one run. */
export function resultsMarkdown(figures: BenchFigures): string {
  const { parallel, overhead, throughput, history, memory, planning } = figures;
  return `# Benchmark results

Measured by \`npm run bench${figures.mode === 'quick' ? ' -- --quick' : ''}\` on ${figures.date}, ${machineLine()}, one Temporal dev server
(CLI 1.5.1, SQLite) and one worker, the scripted model over HTTP on loopback. Every comparison below was measured in
the same run on the same machine. Chart of step time by mode: [step-time.svg](step-time.svg). Section 6 alone:
\`npm run bench -- planning\` (its results go to test-artifacts/bench/).

## 1. Parallel speedup

One step with ${parallel.calls} tool calls that each really sleep ${parallel.callMs} ms (step time = first call scheduled → last call completed, from history).

| mode | step time |
|---|---|
| \`maxParallel: ${parallel.calls}\` | ${ms(parallel.parallelStepMs)} |
| \`maxParallel: 1\` | ${ms(parallel.sequentialStepMs)} |
| **speedup** | **${x(parallel.speedup)}** (goal ≥ 8×) |

## 2. Engine overhead per step

${overhead.steps} steps × ${overhead.calls} calls of ${overhead.callMs} ms, ${overhead.samples} steps per mode. Baseline: the seed article's design as a plain
in-process executor (same \`openai\` client, scripted model, semaphore, timeouts and summarizer; no Temporal, no durability).
durable-agent step time = plan \`k\` scheduled → plan \`k+1\` scheduled, from history.

| mode | p50 | p95 |
|---|---|---|
| plain executor (baseline) | ${ms(overhead.baseline.p50)} | ${ms(overhead.baseline.p95)} |
| durable-agent on the dev server | ${ms(overhead.durable.p50)} | ${ms(overhead.durable.p95)} |
| **overhead per step** | **${ms(overhead.overheadP50)}** (goal ≤ 30 ms) | **${ms(overhead.overheadP95)}** |
| ratio durable / baseline | ${x(overhead.ratioP50)} | |

## 3. Throughput

${throughput.runs} concurrent agents × ${throughput.steps} steps × ${throughput.calls} tool calls of ${throughput.callMs} ms on one worker, beside a bare Temporal
workflow that schedules the same ${1 + throughput.steps * (1 + throughput.calls) + 1} activities per run on the same server and worker settings.

| mode | wall time | runs/s | activities/s | tool calls/s |
|---|---|---|---|---|
| durable-agent | ${ms(throughput.agent.wallMs)} | ${throughput.agent.runsPerSecond.toFixed(1)} | ${throughput.agent.activitiesPerSecond.toFixed(0)} | ${throughput.agent.toolCallsPerSecond.toFixed(0)} |
| bare workflow | ${ms(throughput.bare.wallMs)} | ${throughput.bare.runsPerSecond.toFixed(1)} | ${throughput.bare.activitiesPerSecond.toFixed(0)} | |
| **ratio agent / bare** | | **${x(throughput.ratio)}** (goal ≥ 0.8) | | |

## 4. History growth

A ${history.steps}-step run whose tool returns ${kb(history.toolBytes)} each step (bytes = encoded history events per step).

| first step | last step | last / first | total |
|---|---|---|---|
| ${history.firstStepBytes} B | ${history.lastStepBytes} B | **${x(history.lastOverFirst)}** (goal ≤ 1.5×) | **${(history.totalBytes / 1_048_576).toFixed(2)} MB** (goal < 10 MB) |

## 5. Memory

Worker RSS in its own process, after a garbage collection, across ${memory.runs} sequential short runs after ${memory.warmupRuns} warm-up runs.

| after warm-up | after ${memory.runs} runs | growth |
|---|---|---|
| ${memory.rssAfterWarmupMb.toFixed(1)} MB | ${memory.rssAfterRunsMb.toFixed(1)} MB | **${memory.growthPercent.toFixed(1)} %** (goal < 10 %) |

RSS samples (MB): ${memory.samplesMb.map((value) => value.toFixed(1)).join(', ')}.
V8 heap in use after the same collections (MB): ${(memory.heapSamplesMb ?? []).map((value) => value.toFixed(1)).join(', ')}.

${planningMarkdown(planning, `## 6. ReAct versus plans with dependencies (k = ${planning.k})`).trimEnd()}

## Beside the strongest TypeScript peer

From \`../shared/PEER-FIGURES.md\` (LangGraph.js 1.7.3 with its SQLite checkpointer, same workloads, measured on this
kind of machine but **not in this run**):

| workload | LangGraph + SQLite | durable-agent (this run) |
|---|---|---|
| one step, 10 calls × 1 s | 1006 ms, no concurrency cap | ${ms(parallel.parallelStepMs)} with \`maxParallel: 10\` (cap enforced) |
| overhead per step (10 × 3 × 200 ms) | +13.2 ms p50, +26.9 ms p95 | +${ms(overhead.overheadP50)} p50, +${ms(overhead.overheadP95)} p95 |
| 200 agents × 5 steps × 4 calls × 10 ms | 308 tool calls/s (15.4 runs/s) | ${throughput.agent.toolCallsPerSecond.toFixed(0)} tool calls/s (${throughput.agent.runsPerSecond.toFixed(1)} runs/s) |
| storage after 200 steps of 4 KB | 220 MB, quadratic | ${(history.totalBytes / 1_048_576).toFixed(2)} MB of history, linear |
`;
}

/** A bar chart of step time by mode (p50 and p95), as a standalone SVG. */
export function stepTimeSvg(figures: BenchFigures): string {
  const bars = [
    { label: 'plain executor p50', value: figures.overhead.baseline.p50, color: '#8a8a8a' },
    { label: 'durable-agent p50', value: figures.overhead.durable.p50, color: '#3b5bdb' },
    { label: 'plain executor p95', value: figures.overhead.baseline.p95, color: '#bdbdbd' },
    { label: 'durable-agent p95', value: figures.overhead.durable.p95, color: '#748ffc' },
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
