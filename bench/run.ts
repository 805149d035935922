import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { startHarness } from './harness';
import { memoryGrowth } from './memory';
import { resultsMarkdown, stepTimeSvg, type BenchFigures } from './report';
import { engineOverhead, historyGrowth, parallelSpeedup, throughput } from './scenarios';

/** `npm run bench [-- --quick]`: every figure measured side by side in one run; results to bench/RESULTS.md. */
async function main(): Promise<void> {
  const options = new Command('bench')
    .option('--quick', 'small sizes, for a smoke test (results go to test-artifacts/, not bench/)')
    .parse(process.argv)
    .opts<{ quick?: boolean }>();
  const quick = Boolean(options.quick);
  const size = quick
    ? { parallelMs: 200, overheadRepeats: 1, overheadSteps: 3, runs: 20, historySteps: 30, warmup: 10, memoryRuns: 50 }
    : { parallelMs: 1_000, overheadRepeats: 3, overheadSteps: 10, runs: 200, historySteps: 200, warmup: 100, memoryRuns: 1_000 };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const harness = await startHarness();
  try {
    log('1/5 parallel speedup…');
    const parallel = await parallelSpeedup(harness, 10, size.parallelMs);
    log(`    ${JSON.stringify(parallel)}\n2/5 engine overhead…`);
    const overhead = await engineOverhead(harness, size.overheadSteps, 3, 200, size.overheadRepeats);
    log(`    ${JSON.stringify({ ...overhead })}\n3/5 throughput…`);
    const load = await throughput(harness, size.runs, 5, 4, 10);
    log(`    ${JSON.stringify(load)}\n4/5 history growth…`);
    const history = await historyGrowth(harness, size.historySteps, 4_096);
    log(`    ${JSON.stringify({ ...history, perStepBytes: undefined })}\n5/5 memory…`);
    const memory = await memoryGrowth(harness, size.warmup, size.memoryRuns);
    log(`    ${JSON.stringify(memory)}`);

    const figures: BenchFigures = { mode: quick ? 'quick' : 'full', date: new Date().toISOString().slice(0, 10), parallel, overhead, throughput: load, history, memory };
    const folder = quick ? join(__dirname, '..', 'test-artifacts', 'bench') : __dirname;
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'RESULTS.md'), resultsMarkdown(figures));
    writeFileSync(join(folder, 'step-time.svg'), stepTimeSvg(figures));
    writeFileSync(join(folder, 'results.json'), `${JSON.stringify(figures, null, 2)}\n`);
    log(`Results written to ${join(folder, 'RESULTS.md')}`);
  } finally {
    await harness.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
