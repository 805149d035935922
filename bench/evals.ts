import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../src/client';
import type { EvalReport, EvalSuiteInput } from '../src/contracts/eval';
import type { Script } from '../src/scripted-model/script';
import { bundleQuietly } from '../src/worker/workflow-bundle';
import { percentile, startAgentWorker, type Harness } from './harness';

/**
 * What an eval costs (docs/evals.md): one suite of `cases` cases under two variants, run as an eval at each concurrency
 * on the same worker. Variant `a` calls the bench's `work` tool once (`toolMs`) and answers; variant `b` answers at
 * once. Every case checks the answer and that `work` was called, so `a` passes every case and `b` none.
 */
export interface EvalBenchOptions {
  cases: number;
  toolMs: number;
  concurrencies: readonly number[];
  /** Timed rounds; each runs every concurrency once, the order alternating, after one untimed warm-up eval. */
  rounds: number;
}

/** One eval as run. */
export interface EvalBenchRun {
  round: number;
  concurrency: number;
  /** `startEval` called → its report received, at the client. */
  wallMs: number;
  /** The report's `startedAt` → `endedAt` (the eval workflow's own clock). */
  reportMs: number;
  /** Per case run's `wallMs` (child started → its result), p50 over all case runs and per variant. */
  caseP50Ms: number;
  caseP50ByVariant: Record<string, number>;
}

/** One concurrency over its rounds. */
export interface EvalBenchConcurrency {
  concurrency: number;
  /** Median round, and every round's in the order run. */
  wallMs: number;
  roundsWallMs: number[];
  caseRunsPerSecond: number;
  caseP50Ms: number;
  caseP50ByVariant: Record<string, number>;
}

export interface EvalBenchFigures extends EvalBenchOptions {
  variants: string[];
  caseRuns: number;
  byConcurrency: EvalBenchConcurrency[];
  /** Median wall time at the lowest concurrency / at the highest. */
  speedup: number;
  runs: EvalBenchRun[];
}

const VARIANT_MODELS = { a: 'bench-eval-a', b: 'bench-eval-b' } as const;

function scripts(toolMs: number): Record<string, Script> {
  return {
    [VARIANT_MODELS.a]: { turns: [{ toolCalls: [{ name: 'work', arguments: { ms: toolMs } }] }, { content: 'Done with {{goal}}.' }] },
    [VARIANT_MODELS.b]: { turns: [{ content: 'Done with {{goal}}.' }] },
  };
}

function suiteOf(cases: number): EvalSuiteInput {
  return {
    name: 'bench-evals',
    variants: Object.entries(VARIANT_MODELS).map(([name, model]) => ({ name, model })),
    cases: Array.from({ length: cases }, (_, index) => ({ id: `case-${index + 1}`, goal: `case-${index + 1}`, checks: [{ answerContains: `Done with case-${index + 1}.` }, { toolCalled: 'work' }] })),
  };
}

/** The report is what the bench expects, or the measurement is of broken runs: `a` passes every case, `b` none. */
function checkReport(report: EvalReport, cases: number): void {
  const passed = Object.fromEntries(report.summary.map((variant) => [variant.variant, `${variant.passed}/${variant.cases}`]));
  if (passed.a !== `${cases}/${cases}` || passed.b !== `0/${cases}`) throw new Error(`eval ${report.evalId}: expected a ${cases}/${cases} and b 0/${cases} passed, got ${JSON.stringify(passed)}`);
}

async function timedEval(agents: AgentClient, taskQueue: string, suite: EvalSuiteInput, concurrency: number, evalId: string): Promise<{ wallMs: number; report: EvalReport }> {
  const started = performance.now();
  const handle = await agents.startEval(suite, { taskQueue, concurrency, evalId });
  const report = await handle.result();
  return { wallMs: performance.now() - started, report };
}

const p50 = (values: readonly number[]) => percentile(values, 50);

/** The median over rounds: the mean of the middle two of an even count (`percentile` would take the lower). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

export async function evalCost(harness: Harness, options: EvalBenchOptions, log: (line: string) => void): Promise<EvalBenchFigures> {
  // The bench's own bundle holds the agent and bare workflows only; the eval needs the package's (src/workflows).
  const folder = mkdtempSync(join(tmpdir(), 'durable-agent-bench-evals-'));
  const bundlePath = join(folder, 'bundle.js');
  writeFileSync(bundlePath, (await bundleQuietly()).code);
  const suite = suiteOf(options.cases);
  const variants = Object.keys(VARIANT_MODELS);
  const caseRuns = options.cases * variants.length;
  const agentWorker = await startAgentWorker({ config: harness.config, connection: harness.connection, bundlePath }, { turns: [{ content: 'unused' }] }, { scriptsByModel: scripts(options.toolMs) });
  const agents = await AgentClient.connect(harness.config);
  const runs: EvalBenchRun[] = [];
  const label = `bench-evals-${process.pid}-${Date.now()}`;
  try {
    await agentWorker.run(async () => {
      const warmUp = await timedEval(agents, agentWorker.taskQueue, suiteOf(Math.min(5, options.cases)), Math.max(...options.concurrencies), `${label}-warm-up`);
      log(`    warm-up: ${warmUp.report.results.length} case runs in ${warmUp.wallMs.toFixed(0)} ms`);
      for (let round = 0; round < options.rounds; round += 1) {
        const order = round % 2 === 0 ? options.concurrencies : [...options.concurrencies].reverse();
        for (const concurrency of order) {
          const { wallMs, report } = await timedEval(agents, agentWorker.taskQueue, suite, concurrency, `${label}-${round}-c${concurrency}`);
          checkReport(report, options.cases);
          const caseWall = (variant?: string) => p50(report.results.filter((result) => variant === undefined || result.variant === variant).map((result) => result.wallMs));
          const run: EvalBenchRun = {
            round,
            concurrency,
            wallMs,
            reportMs: Date.parse(report.endedAt) - Date.parse(report.startedAt),
            caseP50Ms: caseWall(),
            caseP50ByVariant: Object.fromEntries(variants.map((variant) => [variant, caseWall(variant)])),
          };
          runs.push(run);
          log(`    round ${round + 1} concurrency ${concurrency}: ${caseRuns} case runs in ${wallMs.toFixed(0)} ms (${((caseRuns * 1000) / wallMs).toFixed(1)}/s), case p50 ${run.caseP50Ms} ms`);
        }
      }
    });
  } finally {
    await agents.close();
    rmSync(folder, { recursive: true, force: true });
  }
  const byConcurrency = options.concurrencies.map((concurrency): EvalBenchConcurrency => {
    const mine = runs.filter((run) => run.concurrency === concurrency);
    const wallMs = median(mine.map((run) => run.wallMs));
    return {
      concurrency,
      wallMs,
      roundsWallMs: mine.map((run) => run.wallMs),
      caseRunsPerSecond: (caseRuns * 1000) / wallMs,
      caseP50Ms: median(mine.map((run) => run.caseP50Ms)),
      caseP50ByVariant: Object.fromEntries(variants.map((variant) => [variant, median(mine.map((run) => run.caseP50ByVariant[variant] ?? Number.NaN))])),
    };
  });
  const lowest = byConcurrency[0]?.wallMs ?? Number.NaN;
  const highest = byConcurrency[byConcurrency.length - 1]?.wallMs ?? Number.NaN;
  return { ...options, variants, caseRuns, byConcurrency, speedup: lowest / highest, runs };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const range = (values: readonly number[]) => (values.length < 2 ? '' : ` (${seconds(Math.min(...values))}–${seconds(Math.max(...values))})`);

/** The evals section's Markdown. */
export function evalsMarkdown(figures: EvalBenchFigures, heading: string): string {
  const rows = figures.byConcurrency.map(
    (entry) =>
      `| ${entry.concurrency} | ${seconds(entry.wallMs)}${range(entry.roundsWallMs)} | ${entry.caseRunsPerSecond.toFixed(1)} | ${entry.caseP50Ms.toFixed(0)} | ${figures.variants.map((variant) => (entry.caseP50ByVariant[variant] ?? Number.NaN).toFixed(0)).join(' / ')} |`,
  );
  const first = figures.byConcurrency[0];
  const last = figures.byConcurrency[figures.byConcurrency.length - 1];
  return `${heading}

One suite of ${figures.cases} cases (goals \`case-1\`…\`case-${figures.cases}\`, each checked with \`answerContains\` and \`toolCalled\`)
under ${figures.variants.length} variants, ${figures.caseRuns} case runs per eval, on one worker with the scripted model: variant \`a\` calls
a tool that sleeps ${figures.toolMs} ms, then answers (2 model turns); variant \`b\` answers at once (1 turn, and fails \`toolCalled\`).
${figures.rounds} round${figures.rounds === 1 ? '' : 's'} after one untimed warm-up eval, the order of concurrencies alternating. Wall time: \`startEval\` → its
report, at the client (median of the rounds, min–max); a case run's time is its \`wallMs\` in the report (child started →
result), p50 per eval, median of the rounds.

| concurrency | eval wall time (s) | case runs / s | case run p50 (ms) | p50 ${figures.variants.join(' / ')} (ms) |
|---|---|---|---|---|
${rows.join('\n')}

Concurrency ${last?.concurrency ?? '?'} finishes the eval **${figures.speedup.toFixed(1)}×** as fast as concurrency ${first?.concurrency ?? '?'}.
`;
}
