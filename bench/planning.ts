import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Script, ScriptTurn } from '../src/scripted-model/script';
import type { AgentRunInput } from '../src/contracts/run-input';
import type { AgentRunResult } from '../src/contracts/run-result';
import { defineTool, ToolError, type Tool } from '../src/tools/define-tool';
import type { Harness } from './harness';

/**
 * 6. ReAct versus plans with dependencies, on a ParallelQA-shaped task: k independent lookups, one derived
 * computation per lookup that needs its output, one answer. Every variant is the same scripted model (same data,
 * same answer, the same simulated latency on every answer) on the same worker; only how the model plans differs.
 */

/** What the lookup tool knows: population and area of a few cities (2021–2023 census figures, rounded). */
const CITIES: ReadonlyArray<{ city: string; population: number; areaKm2: number }> = [
  { city: 'Paris', population: 2_102_650, areaKm2: 105.4 },
  { city: 'Lyon', population: 522_250, areaKm2: 47.87 },
  { city: 'Marseille', population: 873_076, areaKm2: 240.62 },
  { city: 'Toulouse', population: 504_078, areaKm2: 118.3 },
  { city: 'Nice', population: 348_085, areaKm2: 71.92 },
  { city: 'Nantes', population: 323_204, areaKm2: 65.19 },
  { city: 'Strasbourg', population: 291_313, areaKm2: 78.26 },
  { city: 'Lille', population: 236_710, areaKm2: 34.51 },
];

export const PLANNING_VARIANTS = ['react', 'react-parallel', 'dag'] as const;
export type PlanningVariant = (typeof PLANNING_VARIANTS)[number];

export const PLANNING_VARIANT_LABELS: Record<PlanningVariant, string> = {
  react: 'ReAct, one tool call per turn',
  'react-parallel': 'ReAct, parallel tool calls',
  dag: 'DAG (`submit_plan`)',
};

export interface PlanningOptions {
  /** Independent lookups (and as many derived computations). */
  k: number;
  /** Simulated model latency, added to every answer of the scripted model (its `delayMs`). */
  modelLatencyMs: number;
  lookupMs: number;
  computeMs: number;
  /** Timed rounds; each round runs every variant once, in a rotating order, after one untimed warm-up round. */
  repetitions: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface PlanningVariantFigures {
  variant: PlanningVariant;
  label: string;
  modelCalls: Spread;
  inputTokens: Spread;
  outputTokens: Spread;
  toolCalls: Spread;
  wallMs: Spread;
  /** Wall time of every timed run, in the order run. */
  wallSamplesMs: number[];
  /** Input tokens of the run's first model request (the same conversation in every variant; only the tools offered differ). */
  firstRequestInputTokens: number;
}

/** A baseline over DAG: how many times more model calls, tokens and wall time the baseline needed (medians). */
export interface PlanningRatio {
  baseline: PlanningVariant;
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  wallMs: number;
}

export interface PlanningFigures extends PlanningOptions {
  variants: PlanningVariantFigures[];
  ratios: PlanningRatio[];
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}

/** What `divide` was called with, by run: proves every variant computed from the looked-up figures. */
type Divisions = Map<string, Array<{ numerator: number; denominator: number }>>;

function planningTools(options: PlanningOptions, divisions: Divisions): Tool[] {
  return [
    defineTool({
      name: 'lookup_city',
      description: 'Looks a city up in the census and returns its population and area.',
      input: z.object({ city: z.string().describe('City name, for example "Paris"') }),
      run: async ({ city }, context) => {
        await sleep(options.lookupMs, undefined, { signal: context.signal });
        const found = CITIES.find((entry) => entry.city.toLowerCase() === city.toLowerCase());
        if (!found) throw new ToolError(`no census data for ${city}`);
        return found;
      },
    }),
    defineTool({
      name: 'divide',
      description: 'Divides `numerator` by `denominator`.',
      input: z.object({ numerator: z.number(), denominator: z.number() }),
      run: async ({ numerator, denominator }, context) => {
        await sleep(options.computeMs, undefined, { signal: context.signal });
        if (denominator === 0) throw new ToolError('division by zero');
        divisions.set(context.workflowId, [...(divisions.get(context.workflowId) ?? []), { numerator, denominator }]);
        return { quotient: numerator / denominator };
      },
    }),
  ];
}

/** The three scripts of one task: the same data, the same answer, the same latency on every answer. */
function planningScripts(options: PlanningOptions): { goal: string; answer: string; scripts: Record<PlanningVariant, Script> } {
  const cities = CITIES.slice(0, options.k);
  const densest = cities.reduce((best, city) => (city.population / city.areaKm2 > best.population / best.areaKm2 ? city : best));
  const names = cities.map((entry) => entry.city);
  const goal = `Which of ${names.join(', ')} has the highest population density? Look each city up, then compute its density.`;
  const answer = `${densest.city}: ${Math.round(densest.population / densest.areaKm2)} inhabitants per km², the highest of ${names.join(', ')}.`;
  const delayMs = options.modelLatencyMs;
  const lookup = (city: string) => ({ name: 'lookup_city', arguments: { city } });
  // A ReAct model reads the figures from the observation and writes them into the next call.
  const divide = (city: (typeof cities)[number]) => ({ name: 'divide', arguments: { numerator: city.population, denominator: city.areaKm2 } });
  const final: ScriptTurn = { content: answer, delayMs };
  const nodes = [
    ...cities.map((city, index) => ({ id: `city${index + 1}`, tool: 'lookup_city', args: { city: city.city } })),
    ...cities.map((_city, index) => ({
      id: `density${index + 1}`,
      tool: 'divide',
      args: { numerator: { $ref: `city${index + 1}`, pointer: '/population' }, denominator: { $ref: `city${index + 1}`, pointer: '/areaKm2' } },
      dependsOn: [`city${index + 1}`],
    })),
  ];
  return {
    goal,
    answer,
    scripts: {
      react: { turns: [...cities.flatMap((city) => [{ toolCalls: [lookup(city.city)], delayMs }, { toolCalls: [divide(city)], delayMs }]), final] },
      'react-parallel': { turns: [{ toolCalls: cities.map((city) => lookup(city.city)), delayMs }, { toolCalls: cities.map(divide), delayMs }, final] },
      dag: { turns: [{ toolCalls: [{ name: 'submit_plan', arguments: { nodes } }], delayMs }, final] },
    },
  };
}

interface PlanningSample {
  variant: PlanningVariant;
  wallMs: number;
  result: AgentRunResult;
  firstRequestBytes: number;
}

/** Runs every variant `repetitions` times, interleaved, after one untimed warm-up round; checks every run's outcome. */
export async function planningComparison(harness: Harness, options: PlanningOptions): Promise<PlanningFigures> {
  const divisions: Divisions = new Map();
  const { goal, answer, scripts } = planningScripts(options);
  const expected = CITIES.slice(0, options.k).map((city) => ({ numerator: city.population, denominator: city.areaKm2 }));
  const agent = await harness.agentWorker(scripts.react, { tools: planningTools(options, divisions), scriptsByModel: scripts });
  const samples = await agent.run(async () => {
    const runOnce = async (variant: PlanningVariant, round: number): Promise<PlanningSample> => {
      const input: AgentRunInput = { goal, model: variant, maxSteps: 2 * options.k + 3, maxParallel: options.k, planning: variant === 'dag' ? 'dag' : 'react' };
      const workflowId = `${agent.taskQueue}-${variant}-${round}`;
      const requestsBefore = agent.model.requests.length;
      const started = performance.now();
      const handle = await harness.client.workflow.start('agentWorkflow', { taskQueue: agent.taskQueue, workflowId, args: [input] });
      const result = (await handle.result()) as AgentRunResult;
      const wallMs = performance.now() - started;
      const computed = [...(divisions.get(workflowId) ?? [])].sort((a, b) => b.numerator - a.numerator);
      const wanted = [...expected].sort((a, b) => b.numerator - a.numerator);
      if (result.status !== 'final' || result.answer !== answer || result.toolCalls.ok !== 2 * options.k || result.toolCalls.failed !== 0 || JSON.stringify(computed) !== JSON.stringify(wanted)) {
        throw new Error(`the ${variant} run ${workflowId} did not solve the task: ${JSON.stringify({ result, computed })}`);
      }
      return { variant, wallMs, result, firstRequestBytes: agent.model.requests[requestsBefore]?.bytes ?? Number.NaN };
    };
    const timed: PlanningSample[] = [];
    for (let round = 0; round <= options.repetitions; round += 1) {
      // Rotate the order so no variant always runs first (round 0 is the warm-up and is not counted).
      const order = PLANNING_VARIANTS.map((_variant, index) => PLANNING_VARIANTS[(index + round) % PLANNING_VARIANTS.length] as PlanningVariant);
      for (const variant of order) {
        const sample = await runOnce(variant, round);
        if (round > 0) timed.push(sample);
      }
    }
    return timed;
  });

  const variants = PLANNING_VARIANTS.map((variant): PlanningVariantFigures => {
    const runs = samples.filter((sample) => sample.variant === variant);
    return {
      variant,
      label: PLANNING_VARIANT_LABELS[variant],
      modelCalls: spread(runs.map((run) => run.result.usage.modelCalls)),
      inputTokens: spread(runs.map((run) => run.result.usage.inputTokens)),
      outputTokens: spread(runs.map((run) => run.result.usage.outputTokens)),
      toolCalls: spread(runs.map((run) => run.result.toolCalls.ok + run.result.toolCalls.failed)),
      wallMs: spread(runs.map((run) => run.wallMs)),
      wallSamplesMs: runs.map((run) => Math.round(run.wallMs)),
      // The scripted model's own count: request bytes / 4, rounded up.
      firstRequestInputTokens: Math.ceil((runs.at(-1)?.firstRequestBytes ?? Number.NaN) / 4),
    };
  });
  const dag = variants.find((entry) => entry.variant === 'dag') as PlanningVariantFigures;
  const ratios = variants
    .filter((entry) => entry.variant !== 'dag')
    .map((entry): PlanningRatio => ({
      baseline: entry.variant,
      modelCalls: entry.modelCalls.median / dag.modelCalls.median,
      inputTokens: entry.inputTokens.median / dag.inputTokens.median,
      outputTokens: entry.outputTokens.median / dag.outputTokens.median,
      wallMs: entry.wallMs.median / dag.wallMs.median,
    }));
  return { ...options, variants, ratios };
}
