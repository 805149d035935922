import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Argument, Command } from 'commander';
import { startHarness } from './harness';
import { memoryGrowth } from './memory';
import { planningComparison } from './planning';
import { planningMarkdown } from './planning-report';
import { machineLine, resultsMarkdown, stepTimeSvg, type BenchFigures } from './report';
import { engineOverhead, historyGrowth, parallelSpeedup, throughput } from './scenarios';

/**
 * `npm run bench [-- --quick]`: every figure measured side by side in one run; results to bench/RESULTS.md.
 * `npm run bench -- planning` measures section 6 (ReAct versus DAG) alone; its results go to test-artifacts/bench/.
 */
async function main(): Promise<void> {
  const command = new Command('bench')
    .addArgument(new Argument('[section]', 'measure only this section (results go to test-artifacts/, not bench/)').choices(['planning']))
    .option('--quick', 'small sizes, for a smoke test (results go to test-artifacts/, not bench/)')
    .parse(process.argv);
  const options = command.opts<{ quick?: boolean }>();
  const section = command.processedArgs[0] as 'planning' | undefined;
  const quick = Boolean(options.quick);
  const size = quick
    ? { parallelMs: 200, overheadRepeats: 1, overheadSteps: 3, runs: 20, historySteps: 30, warmup: 10, memoryRuns: 50, planningRounds: 1 }
    : { parallelMs: 1_000, overheadRepeats: 3, overheadSteps: 10, runs: 200, historySteps: 200, warmup: 100, memoryRuns: 1_000, planningRounds: 5 };
  const planningOptions = { k: 4, modelLatencyMs: 500, lookupMs: 150, computeMs: 50, repetitions: size.planningRounds };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const harness = await startHarness();
  try {
    if (section === 'planning') {
      log('planning: ReAct versus DAG…');
      const planning = await planningComparison(harness, planningOptions);
      log(`    ${JSON.stringify(planning.ratios)}`);
      const folder = join(__dirname, '..', 'test-artifacts', 'bench');
      const date = new Date().toISOString().slice(0, 10);
      const header = `# Benchmark results: ReAct versus DAG only\n\nMeasured by \`npm run bench -- planning${quick ? ' --quick' : ''}\` on ${date}, ${machineLine()}.\n\n`;
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'planning.md'), header + planningMarkdown(planning, `## ReAct versus plans with dependencies (k = ${planning.k})`));
      writeFileSync(join(folder, 'planning.json'), `${JSON.stringify({ date, planning }, null, 2)}\n`);
      log(`Results written to ${join(folder, 'planning.md')}`);
      return;
    }
    log('1/6 parallel speedup…');
    const parallel = await parallelSpeedup(harness, 10, size.parallelMs);
    log(`    ${JSON.stringify(parallel)}\n2/6 engine overhead…`);
    const overhead = await engineOverhead(harness, size.overheadSteps, 3, 200, size.overheadRepeats);
    log(`    ${JSON.stringify({ ...overhead })}\n3/6 throughput…`);
    const load = await throughput(harness, size.runs, 5, 4, 10);
    log(`    ${JSON.stringify(load)}\n4/6 history growth…`);
    const history = await historyGrowth(harness, size.historySteps, 4_096);
    log(`    ${JSON.stringify({ ...history, perStepBytes: undefined })}\n5/6 memory…`);
    const memory = await memoryGrowth(harness, size.warmup, size.memoryRuns);
    log(`    ${JSON.stringify(memory)}\n6/6 ReAct versus DAG…`);
    const planning = await planningComparison(harness, planningOptions);
    log(`    ${JSON.stringify(planning.ratios)}`);

    const figures: BenchFigures = { mode: quick ? 'quick' : 'full', date: new Date().toISOString().slice(0, 10), parallel, overhead, throughput: load, history, memory, planning };
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
