import type { PlanningFigures, PlanningRatio, PlanningVariantFigures, Spread } from './planning';

/** Goals of issue 14 for k = 4: ReAct (one call per turn) over DAG. */
export const PLANNING_GOALS = { modelCalls: 3, wallMs: 2.5 } as const;

const x = (value: number) => `${value.toFixed(2)}×`;
const count = (value: Spread) => (value.min === value.max ? String(value.median) : `${value.median} (${value.min}–${value.max})`);
const wall = (value: Spread) => `${Math.round(value.median)} ms (${Math.round(value.min)}–${Math.round(value.max)})`;

function row(variant: PlanningVariantFigures, modelLatencyMs: number): string {
  const latency = `${variant.modelCalls.median * modelLatencyMs} ms`;
  return `| ${variant.label} | ${count(variant.modelCalls)} | ${count(variant.inputTokens)} | ${count(variant.outputTokens)} | ${count(variant.toolCalls)} | ${wall(variant.wallMs)} | ${latency} |`;
}

function ratioRow(ratio: PlanningRatio, label: string, withGoals: boolean): string {
  const goal = (value: number, minimum: number) => (withGoals ? ` (goal ≥ ${minimum}×: ${value >= minimum ? 'met' : '**not met**'})` : '');
  return `| **${label} / DAG** | **${x(ratio.modelCalls)}**${goal(ratio.modelCalls, PLANNING_GOALS.modelCalls)} | ${x(ratio.inputTokens)} | ${x(ratio.outputTokens)} | | **${x(ratio.wallMs)}**${goal(ratio.wallMs, PLANNING_GOALS.wallMs)} | |`;
}

/** The ReAct-versus-DAG section of bench/RESULTS.md, under `heading` (a Markdown heading line). */
export function planningMarkdown(figures: PlanningFigures, heading: string): string {
  const { k } = figures;
  const rounds = `${figures.repetitions} timed round${figures.repetitions === 1 ? '' : 's'}`;
  const firstOf = (variant: string) => figures.variants.find((entry) => entry.variant === variant)?.firstRequestInputTokens ?? Number.NaN;
  const labelOf = (variant: string) => figures.variants.find((entry) => entry.variant === variant)?.label ?? variant;
  return `${heading}

A ParallelQA-shaped task (*which of ${k} cities has the highest population density?*): ${k} independent lookups (\`lookup_city\`,
${figures.lookupMs} ms each), ${k} derived computations that each need one lookup's output (\`divide\`, ${figures.computeMs} ms), one answer. The same
scripted model answers every variant with the same data and the same answer, **${figures.modelLatencyMs} ms of simulated latency on every answer**;
only how it plans differs. ReAct, one call per turn (LLMCompiler's baseline): ${2 * k + 1} answers. ReAct with parallel calls: the ${k}
lookups in one answer, the ${k} divisions in the next, then the answer. DAG (\`planning: 'dag'\`): one \`submit_plan\` of ${2 * k} nodes, each
division referencing its lookup (\`{"$ref": "city1", "pointer": "/population"}\`), run eagerly, then the answer.

Input tokens are the scripted model's count (request bytes / 4, summed over the run). Wall time = workflow start → result, at the
client; the simulated model latency in it is model calls × ${figures.modelLatencyMs} ms. ${rounds} after one warm-up round, the variants
interleaved in a rotating order; median (min–max). Every run was checked: status \`final\`, the expected answer, ${2 * k} tool calls
ok, and the divisions received the looked-up figures.

| variant | model calls | input tokens | output tokens | tool calls | wall time | of which model latency |
|---|---|---|---|---|---|---|
${figures.variants.map((variant) => row(variant, figures.modelLatencyMs)).join('\n')}
${figures.ratios.map((ratio) => ratioRow(ratio, labelOf(ratio.baseline), ratio.baseline === 'react')).join('\n')}

Input tokens per model call: ${figures.variants.map((variant) => `${variant.label}: ${Math.round(variant.inputTokens.median / variant.modelCalls.median)}`).join('; ')}.
The first request is the same conversation in every variant, yet the DAG's is ${firstOf('dag') - firstOf('react')} tokens larger (${firstOf('dag')} versus ${firstOf('react')}): every
DAG request also carries the \`submit_plan\` tool's description and schema.

Wall time of each run (ms): ${figures.variants.map((variant) => `${variant.label}: ${variant.wallSamplesMs.join(', ')}`).join('; ')}.
`;
}
