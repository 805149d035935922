import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { percentile, type Harness } from './harness';
import { startOtlpCounter, type OtlpCounts } from './otlp-counter';
import type { TracingShape, TracingSideResult } from './tracing-worker';

/** Spans an OTLP receiver got from one side in one phase. */
interface SpanTally {
  /** Workflow runs of the phase. */
  runs: number;
  requests: number;
  bytes: number;
  spans: number;
  traces: number;
}

/** One side (one child process) as run: its round, its figures and what the receiver got from it. */
export interface TracingSide extends TracingSideResult {
  round: number;
  /** The dev server's CPU time (ms) over the throughput phase. */
  serverCpuMs: number;
  stepSpans: SpanTally;
  throughputSpans: SpanTally;
  /** Spans by name in the throughput phase. */
  spansByName: Record<string, number>;
}

interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
}

/** One mode's figures, over all its sides. */
export interface TracingMode {
  samples: number;
  baseline: Percentiles;
  durable: Percentiles;
  /** durable − plain executor, at p50 and p90: section 2's "step overhead". */
  overheadP50: number;
  overheadP90: number;
  /** Median over rounds, and every round's, in the order run. */
  runsPerSecond: number;
  roundsRunsPerSecond: number[];
  toolCallsPerSecond: number;
  /** This side's process (client, worker, scripted model) per throughput run, median over rounds. */
  cpuMsPerRun: number;
  serverCpuMsPerRun: number;
  /** Spans, export requests and bytes the receiver got per workflow run, by workload (all rounds together). */
  spansPerStepRun: number;
  spansPerThroughputRun: number;
  bytesPerThroughputRun: number;
  requestsPerThroughputRun: number;
  /** Distinct traces per throughput run (1: one run, one trace). */
  tracesPerThroughputRun: number;
}

export interface TracingFigures {
  rounds: number;
  protocol: string;
  shape: TracingShape;
  off: TracingMode;
  on: TracingMode;
  /** on / off. */
  ratios: { durableP50: number; durableP90: number; runsPerSecond: number; cpuMsPerRun: number };
  /** Spans per throughput run with tracing on, by name. */
  spansByNamePerRun: Record<string, number>;
  sides: TracingSide[];
}

/** /proc/<pid>/stat user + system time in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const minus = (after: OtlpCounts, before: OtlpCounts, runs: number): SpanTally => ({
  runs,
  requests: after.requests - before.requests,
  bytes: after.bytes - before.bytes,
  spans: after.spans - before.spans,
  traces: after.traces - before.traces,
});

const OTEL_PREFIX = 'OTEL_';
const SIDE_TIMEOUT_MS = 240_000;

/** Runs one side in its own process, tracing on (spans to `endpoint`) or off, and tallies what the receiver got from it meanwhile. */
async function runSide(harness: Harness, receiver: Awaited<ReturnType<typeof startOtlpCounter>>, shape: TracingShape, tracing: boolean, round: number, protocol: string, log: (line: string) => void): Promise<TracingSide> {
  // No OTEL_* variable of the bench's own environment reaches a side: tracing is on only where set here.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith(OTEL_PREFIX)));
  if (tracing) Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_SERVICE_NAME: 'durable-agent-bench' });
  const label = `bench-tracing-${process.pid}-${round}-${tracing ? 'on' : 'off'}`;
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(__dirname, 'tracing-worker.ts')], {
    env: { ...env, TEMPORAL_ADDRESS: harness.config.address, BENCH_BUNDLE: harness.bundlePath, BENCH_LABEL: label, BENCH_SHAPE: JSON.stringify(shape), NODE_NO_WARNINGS: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the ${label} side took over ${SIDE_TIMEOUT_MS / 1000} s`)), SIDE_TIMEOUT_MS);
  });
  const nextLine = async (): Promise<string> => {
    const next = await Promise.race([lines.next(), exited.then(() => ({ value: undefined })), timeout]);
    if (next.value === undefined) throw new Error(`the ${label} side exited (${String(child.exitCode)}): ${stderr.trim() || 'no output'}`);
    return String(next.value);
  };
  try {
    const start = receiver.counts();
    const phase = await nextLine();
    if (phase !== 'phase overhead') throw new Error(`the ${label} side said ${JSON.stringify(phase)} instead of "phase overhead"`);
    const afterSteps = receiver.counts();
    const serverBefore = cpuMs(harness.serverPid);
    child.stdin.write('go\n');
    const line = await nextLine();
    if (!line.startsWith('result ')) throw new Error(`the ${label} side said ${JSON.stringify(line)} instead of its result`);
    const serverCpuMs = cpuMs(harness.serverPid) - serverBefore;
    const result = JSON.parse(line.slice('result '.length)) as TracingSideResult;
    if (result.tracing !== tracing) throw new Error(`the ${label} side ran with tracing ${result.tracing ? 'on' : 'off'}`);
    // Counted at the end: a side flushes once more as it stops.
    const code = await Promise.race([exited, timeout]);
    if (code !== 0) throw new Error(`the ${label} side exited ${String(code)}: ${stderr.trim() || 'no output'}`);
    const end = receiver.counts();
    const side: TracingSide = {
      ...result,
      round,
      serverCpuMs,
      stepSpans: minus(afterSteps, start, shape.overhead.repeats),
      throughputSpans: minus(end, afterSteps, shape.throughput.runs),
      spansByName: Object.fromEntries(
        Object.entries(end.byName)
          .map(([name, count]): [string, number] => [name, count - (afterSteps.byName[name] ?? 0)])
          .filter(([, count]) => count > 0),
      ),
    };
    if (!tracing && side.stepSpans.spans + side.throughputSpans.spans > 0) throw new Error(`the ${label} side sent spans with tracing off`);
    log(
      `    round ${round + 1} tracing ${tracing ? 'on ' : 'off'}: step p50 ${percentile(result.durableStepsMs, 50).toFixed(0)} ms (plain ${percentile(result.baselineStepsMs, 50).toFixed(0)} ms), ` +
        `${((shape.throughput.runs * 1000) / result.throughputWallMs).toFixed(2)} runs/s, ${(result.throughputCpuMs / shape.throughput.runs).toFixed(1)} ms CPU/run, ${side.throughputSpans.spans} spans`,
    );
    return side;
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  }
}

function modeOf(sides: readonly TracingSide[], shape: TracingShape): TracingMode {
  const baseline = sides.flatMap((side) => side.baselineStepsMs);
  const durable = sides.flatMap((side) => side.durableStepsMs);
  const percentiles = (values: readonly number[]) => ({ p50: percentile(values, 50), p90: percentile(values, 90), p95: percentile(values, 95) });
  const { runs, steps, calls } = shape.throughput;
  const roundsRunsPerSecond = sides.map((side) => (runs * 1000) / side.throughputWallMs);
  const runsPerSecond = percentile(roundsRunsPerSecond, 50);
  const sum = (pick: (side: TracingSide) => number) => sides.reduce((total, side) => total + pick(side), 0);
  const throughputRuns = sum((side) => side.throughputSpans.runs);
  const b = percentiles(baseline);
  const d = percentiles(durable);
  return {
    samples: durable.length,
    baseline: b,
    durable: d,
    overheadP50: d.p50 - b.p50,
    overheadP90: d.p90 - b.p90,
    runsPerSecond,
    roundsRunsPerSecond,
    toolCallsPerSecond: runsPerSecond * steps * calls,
    cpuMsPerRun: percentile(sides.map((side) => side.throughputCpuMs / runs), 50),
    serverCpuMsPerRun: percentile(sides.map((side) => side.serverCpuMs / runs), 50),
    spansPerStepRun: sum((side) => side.stepSpans.spans) / sum((side) => side.stepSpans.runs),
    spansPerThroughputRun: sum((side) => side.throughputSpans.spans) / throughputRuns,
    bytesPerThroughputRun: sum((side) => side.throughputSpans.bytes) / throughputRuns,
    requestsPerThroughputRun: sum((side) => side.throughputSpans.requests) / throughputRuns,
    tracesPerThroughputRun: sum((side) => side.throughputSpans.traces) / throughputRuns,
  };
}

/**
 * What OpenTelemetry tracing costs: section 2's step time and section 3's throughput with tracing off and on, each
 * side in a process of its own (tracing is set up once per process, for its client and its worker alike), in
 * `rounds` rounds that alternate which side goes first, so load on the machine falls on both alike. With tracing on
 * the spans go by OTLP/HTTP (`protocol`) to a receiver in this process that counts them.
 */
export async function tracingOverhead(harness: Harness, shape: TracingShape, rounds: number, log: (line: string) => void, protocol = 'http/protobuf'): Promise<TracingFigures> {
  const receiver = await startOtlpCounter();
  const sides: TracingSide[] = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const tracing of order) sides.push(await runSide(harness, receiver, shape, tracing, round, protocol, log));
    }
  } finally {
    await receiver.close();
  }
  const offSides = sides.filter((side) => !side.tracing);
  const onSides = sides.filter((side) => side.tracing);
  const off = modeOf(offSides, shape);
  const on = modeOf(onSides, shape);
  const onRuns = onSides.reduce((total, side) => total + side.throughputSpans.runs, 0);
  const spanNames = [...new Set(onSides.flatMap((side) => Object.keys(side.spansByName)))].sort();
  const spansByNamePerRun = Object.fromEntries(spanNames.map((name) => [name, onSides.reduce((total, side) => total + (side.spansByName[name] ?? 0), 0) / onRuns]));
  return {
    rounds,
    protocol,
    shape,
    off,
    on,
    ratios: { durableP50: on.durable.p50 / off.durable.p50, durableP90: on.durable.p90 / off.durable.p90, runsPerSecond: on.runsPerSecond / off.runsPerSecond, cpuMsPerRun: on.cpuMsPerRun / off.cpuMsPerRun },
    spansByNamePerRun,
    sides,
  };
}

const fixed = (value: number, digits = 0) => value.toFixed(digits);
const signed = (value: number, digits = 0) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
const range = (values: readonly number[], digits: number) => (values.length < 2 ? '' : ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`);

/** The tracing section's Markdown. */
export function tracingMarkdown(figures: TracingFigures, heading: string): string {
  const { off, on, shape } = figures;
  const row = (label: string, a: number, b: number, digits = 0, extraA = '', extraB = '') => `| ${label} | ${fixed(a, digits)}${extraA} | ${fixed(b, digits)}${extraB} | ${signed(b - a, digits)} | ${(b / a).toFixed(2)}× |`;
  const o = shape.overhead;
  const t = shape.throughput;
  return `${heading}

Each side in a worker process of its own (the client that starts the runs, the worker and the scripted model; tracing
is set up once per process), ${figures.rounds} round${figures.rounds === 1 ? '' : 's'} of an off side and an on side, the order
alternating from round to round, against one dev server. With tracing on, spans go by OTLP/HTTP (\`${figures.protocol}\`,
batches every 500 ms) to a receiver on loopback in the bench's process that decodes and counts them.
Step time (section 2): ${o.steps} steps × ${o.calls} calls of ${o.callMs} ms, ${o.repeats} run${o.repeats === 1 ? '' : 's'} per side (${off.samples} and ${on.samples} steps);
overhead = durable-agent's step − the plain in-process executor's, measured in the same process.
Throughput (section 3): ${t.runs} agents at once × ${t.steps} steps × ${t.calls} calls of ${t.callMs} ms, median round (min–max).
CPU: the side's process (client, worker, scripted model; every thread) and the dev server, over the throughput runs.

| | tracing off | tracing on | on − off | on / off |
|---|---|---|---|---|
${row('durable-agent step p50 (ms)', off.durable.p50, on.durable.p50)}
${row('durable-agent step p90 (ms)', off.durable.p90, on.durable.p90)}
${row('plain executor step p50 (ms)', off.baseline.p50, on.baseline.p50)}
| step overhead p50 / p90 (ms) | ${signed(off.overheadP50)} / ${signed(off.overheadP90)} | ${signed(on.overheadP50)} / ${signed(on.overheadP90)} | ${signed(on.overheadP50 - off.overheadP50)} / ${signed(on.overheadP90 - off.overheadP90)} | |
${row('runs/s', off.runsPerSecond, on.runsPerSecond, 2, range(off.roundsRunsPerSecond, 2), range(on.roundsRunsPerSecond, 2))}
${row('tool calls/s', off.toolCallsPerSecond, on.toolCallsPerSecond, 0)}
${row('worker-side CPU per run (ms)', off.cpuMsPerRun, on.cpuMsPerRun, 1)}
${row('dev server CPU per run (ms)', off.serverCpuMsPerRun, on.serverCpuMsPerRun, 1)}
| spans received per run (step-time run of ${o.steps} steps; throughput run of ${t.steps}) | ${fixed(off.spansPerStepRun, 1)}; ${fixed(off.spansPerThroughputRun, 1)} | ${fixed(on.spansPerStepRun, 1)}; ${fixed(on.spansPerThroughputRun, 1)} | | |
| OTLP bytes / requests per throughput run | ${fixed(off.bytesPerThroughputRun)} / ${fixed(off.requestsPerThroughputRun, 2)} | ${fixed(on.bytesPerThroughputRun)} / ${fixed(on.requestsPerThroughputRun, 2)} | | |

Traces per throughput run with tracing on: ${on.tracesPerThroughputRun.toFixed(2)} (one run, one trace); its spans by name:
${Object.entries(figures.spansByNamePerRun)
    .map(([name, count]) => `\`${name}\` ${count.toFixed(1)}`)
    .join(', ')}.
`;
}
