import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Argument, Command } from 'commander';
import { stepAnatomy } from './anatomy';
import { anatomyMarkdown } from './anatomy-report';
import { evalCost, evalsMarkdown } from './evals';
import { startHarness, type Harness } from './harness';
import { memoryGrowth } from './memory';
import { startPeerWorker, type PeerWorker } from './peer';
import { startLangGraphPeer, type LangGraphPeer } from './peer-langgraph';
import { planningComparison } from './planning';
import { planningMarkdown } from './planning-report';
import { machineLine, memoryMarkdown, overheadMarkdown, resultsMarkdown, stepTimeSvg, throughputMarkdown, type BenchFigures } from './report';
import { engineOverhead, historyGrowth, parallelSpeedup, PEER_MODELS, stepsScript, type OverheadFigures } from './scenarios';
import { throughput, type ThroughputFigures } from './throughput';
import { settingsMarkdown, workerSettings } from './settings';
import { subAgentCost, subAgentsMarkdown } from './sub-agents';
import { tracingMarkdown, tracingOverhead } from './tracing';

type Section = 'planning' | 'peers' | 'memory' | 'anatomy' | 'settings' | 'tracing' | 'evals' | 'subagents';

const log = (line: string) => process.stderr.write(`${line}\n`);

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Writes a section-only result to test-artifacts/bench/<name>.md and .json, with the machine's load average at its end. */
function writeSection(name: string, title: string, command: string, markdown: string, figures: object): void {
  const folder = join(__dirname, '..', 'test-artifacts', 'bench');
  const date = new Date().toISOString().slice(0, 10);
  const loadAverage = loadavg();
  const header = `# Benchmark results: ${title} only\n\nMeasured by \`${command}\` on ${date}, ${machineLine()}; load average at the end ${loadAverage.map((value) => value.toFixed(1)).join(' / ')} (1 / 5 / 15 min).\n\n`;
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${name}.md`), header + markdown);
  writeFileSync(join(folder, `${name}.json`), `${JSON.stringify({ date, machine: machineLine(), command, loadAverage, ...figures }, null, 2)}\n`);
  log(`Results written to ${join(folder, `${name}.md`)}`);
}

interface Size {
  overheadRepeats: number;
  overheadSteps: number;
  runs: number;
  throughputRounds: number;
}

/**
 * Sections 2 and 3, with the peer (Temporal's ai-sdk integration, its own worker process on the same server)
 * beside durable-agent when it starts. `peerRequired`: a peer that cannot start fails the run; otherwise its
 * error is reported in both sections and they go on without it.
 */
async function overheadAndThroughput(harness: Harness, size: Size, peerRequired: boolean): Promise<{ overhead: OverheadFigures; throughput: ThroughputFigures }> {
  const overheadShape = { steps: size.overheadSteps, calls: 3, callMs: 200 };
  const throughputShape = { steps: 5, calls: 4, callMs: 10 };
  log("    starting the peer (Temporal's ai-sdk integration, in its own worker process)…");
  let peer: PeerWorker | undefined;
  let peerError: string | undefined;
  try {
    peer = await startPeerWorker(
      harness,
      {
        [PEER_MODELS.overhead]: stepsScript(overheadShape.steps, overheadShape.calls, overheadShape.callMs),
        [PEER_MODELS.throughput]: stepsScript(throughputShape.steps, throughputShape.calls, throughputShape.callMs),
      },
      log,
    );
    log(`    ${peer.label}, task queue ${peer.taskQueue}`);
  } catch (error) {
    if (peerRequired) throw error;
    peerError = errorText(error);
    log(`    the peer did not start; sections 2 and 3 go on without it: ${peerError}`);
  }
  log('    starting LangGraph (createReactAgent + SqliteSaver on a file, in its own process)…');
  let langgraph: LangGraphPeer | undefined;
  let langgraphError: string | undefined;
  try {
    langgraph = await startLangGraphPeer(log);
    log(`    ${langgraph.label}`);
  } catch (error) {
    if (peerRequired) throw error;
    langgraphError = errorText(error);
    log(`    LangGraph did not start; sections 2 and 3 go on without it: ${langgraphError}`);
  }
  try {
    log('2/8 engine overhead…');
    const overhead = await engineOverhead(harness, overheadShape.steps, overheadShape.calls, overheadShape.callMs, size.overheadRepeats, peer, langgraph);
    log(`    ${JSON.stringify(overhead)}\n3/8 throughput…`);
    const load = await throughput(harness, size.runs, throughputShape.steps, throughputShape.calls, throughputShape.callMs, size.throughputRounds, peer, langgraph);
    log(`    ${JSON.stringify(load)}`);
    const errors = { ...(peerError ? { peerError } : {}), ...(langgraphError ? { langgraphError } : {}) };
    return { overhead: { ...overhead, ...errors }, throughput: { ...load, ...errors } };
  } finally {
    await langgraph?.close();
    await peer?.close();
  }
}

/**
 * `npm run bench [-- --quick]`: every figure measured side by side in one run; results to bench/RESULTS.md.
 * `npm run bench -- planning` measures section 6 (ReAct versus DAG) alone, `-- peers` sections 2 and 3 with the
 * peer beside them, `-- memory` section 5, `-- tracing` sections 2 and 3 with OpenTelemetry tracing off and on, `-- evals` an eval's wall time, `-- subagents`
 * a fan-out to sub-agents against the same work in one agent; their
 * results go to test-artifacts/bench/.
 */
async function main(): Promise<void> {
  const command = new Command('bench')
    .addArgument(new Argument('[section]', 'measure only this section (results go to test-artifacts/, not bench/)').choices(['planning', 'peers', 'memory', 'anatomy', 'settings', 'tracing', 'evals', 'subagents']))
    .option('--quick', 'small sizes, for a smoke test (results go to test-artifacts/, not bench/)')
    .parse(process.argv);
  const options = command.opts<{ quick?: boolean }>();
  const section = command.processedArgs[0] as Section | undefined;
  const quick = Boolean(options.quick);
  const size = quick
    ? { parallelMs: 200, overheadRepeats: 1, overheadSteps: 3, runs: 20, throughputRounds: 1, historySteps: 30, warmup: 10, memoryRuns: 50, planningRounds: 1 }
    : { parallelMs: 1_000, overheadRepeats: 3, overheadSteps: 10, runs: 200, throughputRounds: 3, historySteps: 200, warmup: 100, memoryRuns: 1_000, planningRounds: 5 };
  const planningOptions = { k: 4, modelLatencyMs: 500, lookupMs: 150, computeMs: 50, repetitions: size.planningRounds };
  const suffix = quick ? ' --quick' : '';
  const harness = await startHarness();
  try {
    if (section === 'planning') {
      log('planning: ReAct versus DAG…');
      const planning = await planningComparison(harness, planningOptions);
      log(`    ${JSON.stringify(planning.ratios)}`);
      writeSection('planning', 'ReAct versus DAG', `npm run bench -- planning${suffix}`, planningMarkdown(planning, `## ReAct versus plans with dependencies (k = ${planning.k})`), { planning });
      return;
    }
    if (section === 'peers') {
      log('peers: sections 2 and 3 with the peer…');
      const { overhead, throughput: load } = await overheadAndThroughput(harness, size, true);
      writeSection('peers', 'sections 2 and 3 with the peer', `npm run bench -- peers${suffix}`, `${overheadMarkdown(overhead, '## Engine overhead per step')}\n${throughputMarkdown(load, '## Throughput')}`, { overhead, throughput: load });
      return;
    }
    if (section === 'anatomy') {
      log("anatomy: where a step's time and a run's CPU go…");
      const anatomy = await stepAnatomy(harness, 10, 3, 200, quick ? 20 : 100);
      log(`    ${JSON.stringify({ bare: anatomy.bare?.cpu, activity: anatomy.activity.cpu, local: anatomy.local.cpu })}`);
      writeSection('anatomy', "where a step's time and a run's CPU go", `npm run bench -- anatomy${suffix}`, anatomyMarkdown(anatomy, "## Where a step's time and a run's CPU go"), { anatomy });
      return;
    }
    if (section === 'settings') {
      log('settings: eager activity reservations…');
      const settings = await workerSettings(harness, size.runs, 5, 4, 10, size.throughputRounds, harness.config.worker.maxEagerActivities);
      log(`    ${JSON.stringify(settings.settings.map((setting) => setting.roundsRunsPerSecond))}`);
      writeSection('settings', 'worker settings', `npm run bench -- settings${suffix}`, settingsMarkdown(settings, '## Worker settings chosen by measurement'), { settings });
      return;
    }
    if (section === 'tracing') {
      // Sections 2 and 3 (durable-agent's default planner) with tracing off and on, each side in a process of its own; about 5 minutes on 2 cores.
      const shape = quick
        ? { overhead: { steps: 3, calls: 3, callMs: 200, repeats: 1 }, throughput: { runs: 20, steps: 5, calls: 4, callMs: 10 } }
        : { overhead: { steps: size.overheadSteps, calls: 3, callMs: 200, repeats: 2 }, throughput: { runs: size.runs, steps: 5, calls: 4, callMs: 10 } };
      const rounds = quick ? 1 : 3;
      log(`tracing: sections 2 and 3 with tracing off and on, ${rounds} rounds…`);
      const tracing = await tracingOverhead(harness, shape, rounds, log);
      log(`    ${JSON.stringify({ off: { p50: tracing.off.durable.p50, runsPerSecond: tracing.off.runsPerSecond }, on: { p50: tracing.on.durable.p50, runsPerSecond: tracing.on.runsPerSecond }, ratios: tracing.ratios })}`);
      writeSection('tracing', 'what tracing costs', `npm run bench -- tracing${suffix}`, tracingMarkdown(tracing, '## What OpenTelemetry tracing costs'), { tracing });
      return;
    }
    if (section === 'evals') {
      log('evals: one suite × 2 variants at concurrency 1 and 10…');
      const evals = await evalCost(harness, { cases: quick ? 10 : 50, toolMs: 10, concurrencies: [1, 10], rounds: quick ? 1 : 2 }, log);
      writeSection('evals', 'what an eval costs', `npm run bench -- evals${suffix}`, evalsMarkdown(evals, '## What an eval costs'), { evals });
      return;
    }
    if (section === 'subagents') {
      log('subagents: a fan-out to 5 sub-agents against the same work in one agent…');
      const subAgents = await subAgentCost(harness, { children: 5, callMs: 200, rounds: quick ? 1 : 3 }, log);
      writeSection('subagents', 'what sub-agents cost', `npm run bench -- subagents${suffix}`, subAgentsMarkdown(subAgents, '## What sub-agents cost'), { subAgents });
      return;
    }
    if (section === 'memory') {
      log('memory…');
      const memory = await memoryGrowth(harness, size.warmup, size.memoryRuns);
      log(`    ${JSON.stringify(memory)}`);
      writeSection('memory', 'memory', `npm run bench -- memory${suffix}`, memoryMarkdown(memory, '## Memory'), { memory });
      return;
    }
    log('1/8 parallel speedup…');
    const parallel = await parallelSpeedup(harness, 10, size.parallelMs);
    log(`    ${JSON.stringify(parallel)}`);
    const { overhead, throughput: load } = await overheadAndThroughput(harness, size, false);
    log('4/8 history growth…');
    const history = await historyGrowth(harness, size.historySteps, 4_096);
    log(`    ${JSON.stringify({ ...history, perStepBytes: undefined })}\n5/8 memory…`);
    const memory = await memoryGrowth(harness, size.warmup, size.memoryRuns);
    log(`    ${JSON.stringify(memory)}\n6/8 ReAct versus DAG…`);
    const planning = await planningComparison(harness, planningOptions);
    log(`    ${JSON.stringify(planning.ratios)}`);

    log("7/8 where a step's time and a run's CPU go…");
    const anatomy = await stepAnatomy(harness, size.overheadSteps, 3, 200, quick ? 20 : 100);
    log(`    ${JSON.stringify({ bare: anatomy.bare?.cpu, activity: anatomy.activity.cpu, local: anatomy.local.cpu })}`);

    log('8/8 worker settings…');
    const settings = await workerSettings(harness, size.runs, 5, 4, 10, size.throughputRounds, harness.config.worker.maxEagerActivities);
    log(`    ${JSON.stringify(settings.settings.map((setting) => setting.roundsRunsPerSecond))}`);

    const figures: BenchFigures = { mode: quick ? 'quick' : 'full', date: new Date().toISOString().slice(0, 10), machine: machineLine(), parallel, overhead, throughput: load, history, memory, planning, anatomy, settings };
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
