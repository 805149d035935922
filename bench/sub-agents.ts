import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition } from '../src/contracts/agent-definition';
import type { AgentRunInput } from '../src/contracts/run-input';
import type { AgentRunResult } from '../src/contracts/run-result';
import { compileScript, type Script } from '../src/scripted-model/script';
import { startScriptedModel } from '../src/scripted-model/server';
import { createWorker } from '../src/worker';
import { bundleQuietly } from '../src/worker/workflow-bundle';
import { benchSleepTool, eventMs, eventsOf, percentile, type Harness, type HistoryEvent } from './harness';

/**
 * What sub-agents cost (docs/sub-agents.md): a parent fanning out to `children` sub-agents of 3 steps each (two
 * steps of one `work` call of `callMs`, then an answer), against the same tool work done in one agent, with the
 * calls in parallel (2 steps of `children` calls) and one at a time (`children` × 2 steps of one call).
 */
export interface SubAgentBenchOptions {
  children: number;
  callMs: number;
  /** Timed rounds; each runs every variant once, the order alternating, after one untimed warm-up of each. */
  rounds: number;
}

export type SubAgentVariant = 'fan-out' | 'one agent, parallel' | 'one agent, sequential';

/** One run as measured. */
export interface SubAgentBenchRun {
  round: number;
  variant: SubAgentVariant;
  /** Start → result, at the client. */
  wallMs: number;
  /** The run and every child run under it. */
  workflowExecutions: number;
  historyEvents: number;
  /** Activities scheduled in all of them (model calls and tool calls). */
  activities: number;
  /** Fan-out only: the parent's child-start initiated → child started, and each child's own start → completion, p50 over the children. */
  childStartP50Ms?: number;
  childRunP50Ms?: number;
}

/** One variant over its rounds. */
export interface SubAgentBenchVariant {
  variant: SubAgentVariant;
  shape: string;
  /** The tool time on the run's critical path: the least it could take. */
  toolFloorMs: number;
  wallP50Ms: number;
  roundsWallMs: number[];
  workflowExecutions: number;
  historyEvents: number;
  activities: number;
  childStartP50Ms?: number;
  childRunP50Ms?: number;
}

export interface SubAgentBenchFigures extends SubAgentBenchOptions {
  variants: SubAgentBenchVariant[];
  runs: SubAgentBenchRun[];
}

const WORKER_AGENT: AgentDefinition = { name: 'worker', description: 'does two pieces of work and reports', instructions: 'You are a worker.', model: 'worker-model', tools: ['work'] };
const MODELS = { parallel: 'bench-one-agent-parallel', sequential: 'bench-one-agent-sequential' } as const;

function scripts(children: number, callMs: number): { parent: Script; byModel: Record<string, Script> } {
  const work = () => ({ name: 'work', arguments: { ms: callMs } });
  const calls = () => Array.from({ length: children }, work);
  return {
    parent: { turns: [{ toolCalls: Array.from({ length: children }, (_, index) => ({ name: 'agent__worker', arguments: { goal: `part ${index + 1}` } })) }, { content: 'All parts: {{observations}}' }] },
    byModel: {
      [WORKER_AGENT.model ?? 'worker-model']: { turns: [{ toolCalls: [work()] }, { toolCalls: [work()] }, { content: 'done: {{goal}}' }] },
      [MODELS.parallel]: { turns: [{ toolCalls: calls() }, { toolCalls: calls() }, { content: 'All parts done.' }] },
      [MODELS.sequential]: { turns: [{ toolCalls: [work()], repeat: children * 2 }, { content: 'All parts done.' }] },
    },
  };
}

function inputOf(variant: SubAgentVariant, children: number): AgentRunInput {
  const goal = `Do ${children} parts of two pieces of work each`;
  if (variant === 'fan-out') return { goal, maxParallel: children, maxSteps: 10, observationBytesPerCall: 2_000 };
  const model = variant === 'one agent, parallel' ? MODELS.parallel : MODELS.sequential;
  return { goal, model, allowedTools: ['work'], maxParallel: children, maxSteps: children * 2 + 5, observationBytesPerCall: 2_000 };
}

/** Executions, events and activities of a run and its children (found by the parent's child-start events), plus the children's timings. */
async function treeOf(harness: Harness, workflowId: string): Promise<Pick<SubAgentBenchRun, 'workflowExecutions' | 'historyEvents' | 'activities' | 'childStartP50Ms' | 'childRunP50Ms'>> {
  const histories: HistoryEvent[][] = [];
  const childStarts: number[] = [];
  const childRuns: number[] = [];
  const pending = [workflowId];
  for (let id = pending.shift(); id !== undefined; id = pending.shift()) {
    const events = await eventsOf(harness.client.workflow.getHandle(id));
    histories.push(events);
    const initiated = new Map<number, number>();
    for (const event of events) {
      const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
      if (child?.workflowId) {
        pending.push(child.workflowId);
        initiated.set(Number(event.eventId), eventMs(event));
      }
      const started = event.childWorkflowExecutionStartedEventAttributes;
      if (started) childStarts.push(eventMs(event) - (initiated.get(Number(started.initiatedEventId)) ?? Number.NaN));
    }
    if (id !== workflowId) childRuns.push(eventMs(events[events.length - 1] ?? {}) - eventMs(events[0] ?? {}));
  }
  const all = histories.flat();
  return {
    workflowExecutions: histories.length,
    historyEvents: all.length,
    activities: all.filter((event) => event.activityTaskScheduledEventAttributes).length,
    ...(childRuns.length ? { childStartP50Ms: percentile(childStarts, 50), childRunP50Ms: percentile(childRuns, 50) } : {}),
  };
}

const SHAPES: Record<SubAgentVariant, (options: SubAgentBenchOptions) => { shape: string; toolFloorMs: number }> = {
  'fan-out': ({ children, callMs }) => ({ shape: `parent: 1 step of ${children} \`agent__worker\` calls, then an answer; each child: 2 steps of 1 call, then an answer`, toolFloorMs: 2 * callMs }),
  'one agent, parallel': ({ children, callMs }) => ({ shape: `2 steps of ${children} parallel calls, then an answer`, toolFloorMs: 2 * callMs }),
  'one agent, sequential': ({ children, callMs }) => ({ shape: `${children * 2} steps of 1 call, then an answer`, toolFloorMs: children * 2 * callMs }),
};

export async function subAgentCost(harness: Harness, options: SubAgentBenchOptions, log: (line: string) => void): Promise<SubAgentBenchFigures> {
  // The bench's own bundle holds the agent and bare workflows only; like the evals section, bundle the package's.
  const folder = mkdtempSync(join(tmpdir(), 'durable-agent-bench-sub-agents-'));
  const bundlePath = join(folder, 'bundle.js');
  writeFileSync(bundlePath, (await bundleQuietly()).code);
  const { parent, byModel } = scripts(options.children, options.callMs);
  const model = await startScriptedModel(compileScript(parent), { scriptsByModel: new Map(Object.entries(byModel).map(([name, script]) => [name, compileScript(script, `the script of model ${name}`)])) });
  const taskQueue = `bench-sub-agents-${process.pid}`;
  const runs: SubAgentBenchRun[] = [];
  const label = `bench-sub-agents-${process.pid}-${Date.now()}`;
  const variants: SubAgentVariant[] = ['fan-out', 'one agent, parallel', 'one agent, sequential'];
  try {
    const worker = await createWorker({
      config: harness.config,
      connection: harness.connection,
      taskQueue,
      tools: [benchSleepTool],
      agents: [WORKER_AGENT],
      builtinTools: false,
      model: { baseURL: model.baseURL, apiKey: 'bench', defaultModel: 'scripted', requestTimeoutMs: 60_000 },
      workflowBundle: { codePath: bundlePath },
    });
    const timedRun = async (variant: SubAgentVariant, workflowId: string): Promise<number> => {
      const started = performance.now();
      const result = (await harness.client.workflow.execute('agentWorkflow', { taskQueue, workflowId, args: [inputOf(variant, options.children)] })) as AgentRunResult;
      const wallMs = performance.now() - started;
      const expectedCalls = variant === 'fan-out' ? options.children : options.children * 2;
      // A run that did not do the work measures nothing: every call answered, the run final.
      if (result.status !== 'final' || result.toolCalls.ok !== expectedCalls || result.toolCalls.failed !== 0) throw new Error(`${variant} run ${workflowId}: expected final with ${expectedCalls} calls ok, got ${result.status} with ${JSON.stringify(result.toolCalls)}`);
      return wallMs;
    };
    await worker.runUntil(async () => {
      for (const variant of variants) log(`    warm-up ${variant}: ${(await timedRun(variant, `${label}-warm-up-${variants.indexOf(variant)}`)).toFixed(0)} ms`);
      for (let round = 0; round < options.rounds; round += 1) {
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const variant of order) {
          const workflowId = `${label}-${round}-${variants.indexOf(variant)}`;
          const wallMs = await timedRun(variant, workflowId);
          const run: SubAgentBenchRun = { round, variant, wallMs, ...(await treeOf(harness, workflowId)) };
          runs.push(run);
          log(`    round ${round + 1} ${variant}: ${wallMs.toFixed(0)} ms, ${run.workflowExecutions} executions, ${run.historyEvents} events`);
        }
      }
    });
  } finally {
    await model.close();
    rmSync(folder, { recursive: true, force: true });
  }
  const p50 = (values: readonly number[]) => percentile(values, 50);
  return {
    ...options,
    variants: variants.map((variant): SubAgentBenchVariant => {
      const mine = runs.filter((run) => run.variant === variant);
      const children = mine.filter((run) => run.childRunP50Ms !== undefined);
      return {
        variant,
        ...SHAPES[variant](options),
        wallP50Ms: p50(mine.map((run) => run.wallMs)),
        roundsWallMs: mine.map((run) => run.wallMs),
        workflowExecutions: p50(mine.map((run) => run.workflowExecutions)),
        historyEvents: p50(mine.map((run) => run.historyEvents)),
        activities: p50(mine.map((run) => run.activities)),
        ...(children.length ? { childStartP50Ms: p50(children.map((run) => run.childStartP50Ms ?? Number.NaN)), childRunP50Ms: p50(children.map((run) => run.childRunP50Ms ?? Number.NaN)) } : {}),
      };
    }),
    runs,
  };
}

/** The sub-agents section's Markdown. */
export function subAgentsMarkdown(figures: SubAgentBenchFigures, heading: string): string {
  const parallel = figures.variants.find((entry) => entry.variant === 'one agent, parallel');
  const fanOut = figures.variants.find((entry) => entry.variant === 'fan-out');
  const rows = figures.variants.map(
    (entry) =>
      `| ${entry.variant} | ${entry.shape} | ${entry.toolFloorMs} | **${entry.wallP50Ms.toFixed(0)}** (${entry.roundsWallMs.map((ms) => ms.toFixed(0)).join(', ')}) | ${parallel ? (entry.wallP50Ms / parallel.wallP50Ms).toFixed(2) : '?'}× | ${entry.workflowExecutions} | ${entry.historyEvents} | ${entry.activities} |`,
  );
  const children = fanOut?.childRunP50Ms !== undefined ? `\nIn the fan-out, a child's start (the parent's start-child command → the child started) took ${fanOut.childStartP50Ms?.toFixed(0)} ms at p50, and a child's run (started → completed) ${fanOut.childRunP50Ms.toFixed(0)} ms.\n` : '';
  return `${heading}

The same tool work, ${figures.children * 2} calls of the bench's \`work\` tool that sleeps ${figures.callMs} ms, done three ways on one worker with the
scripted model (model calls answer at once): a parent fanning out to ${figures.children} sub-agents (\`agent__worker\`, maxParallel ${figures.children}) of
3 steps each (2 steps of one call, then an answer); one agent doing it in 2 steps of ${figures.children} parallel calls; one agent doing it one
call a step. ${figures.rounds} rounds after one untimed warm-up of each, the order alternating. Wall time: start → result at the client,
p50 of the rounds (each round's in brackets). Executions, history events and activities (model and tool calls) count the
run and its children.

| variant | shape | tool time on the critical path (ms) | wall time p50 (ms) | vs one agent, parallel | workflow executions | history events | activities |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
${children}`;
}
